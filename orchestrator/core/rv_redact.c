#include "rv_redact.h"

#include "rv_alloc.h"
#include "rv_buf.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t rv_redact_lock = PTHREAD_MUTEX_INITIALIZER;
static char **rv_secrets;
static size_t rv_nsecrets;

void rv_redact_add(const char *secret)
{
	if (!secret || strlen(secret) < RV_REDACT_MIN_LEN)
		return;
	pthread_mutex_lock(&rv_redact_lock);
	for (size_t i = 0; i < rv_nsecrets; i++) {
		if (!strcmp(rv_secrets[i], secret)) {
			pthread_mutex_unlock(&rv_redact_lock);
			return;
		}
	}
	rv_secrets = rv_xreallocarray(rv_secrets, rv_nsecrets + 1,
				      sizeof(*rv_secrets));
	rv_secrets[rv_nsecrets++] = rv_xstrdup(secret);
	pthread_mutex_unlock(&rv_redact_lock);
}

void rv_redact_reset(void)
{
	pthread_mutex_lock(&rv_redact_lock);
	for (size_t i = 0; i < rv_nsecrets; i++)
		free(rv_secrets[i]);
	free(rv_secrets);
	rv_secrets = NULL;
	rv_nsecrets = 0;
	pthread_mutex_unlock(&rv_redact_lock);
}

/* Caller holds the lock.  Returns the secret found earliest at/after p. */
static const char *rv_redact_find(const char *p, size_t *len)
{
	const char *best = NULL;

	for (size_t i = 0; i < rv_nsecrets; i++) {
		const char *hit = strstr(p, rv_secrets[i]);
		size_t n = strlen(rv_secrets[i]);

		if (hit && (!best || hit < best || (hit == best && n > *len))) {
			best = hit;
			*len = n;
		}
	}
	return best;
}

static void rv_redact_into(const char *s, struct rv_buf *out)
{
	const char *p = s, *hit;
	size_t len = 0;

	while ((hit = rv_redact_find(p, &len))) {
		rv_buf_add(out, p, (size_t)(hit - p));
		rv_buf_adds(out, RV_REDACT_MARK);
		p = hit + len;
		len = 0;
	}
	rv_buf_adds(out, p);
}

char *rv_redact(const char *s)
{
	struct rv_buf out = RV_BUF_INIT;

	if (!s)
		return NULL;
	pthread_mutex_lock(&rv_redact_lock);
	rv_redact_into(s, &out);
	pthread_mutex_unlock(&rv_redact_lock);
	return rv_buf_detach(&out, NULL);
}

void rv_redact_buf(struct rv_buf *b)
{
	struct rv_buf out = RV_BUF_INIT;

	if (!b->len)
		return;
	pthread_mutex_lock(&rv_redact_lock);
	if (!rv_nsecrets) {
		pthread_mutex_unlock(&rv_redact_lock);
		return;
	}
	rv_redact_into(b->data, &out);
	pthread_mutex_unlock(&rv_redact_lock);
	rv_buf_release(b);
	*b = out;
}

bool rv_redact_contains(const char *s)
{
	size_t len = 0;
	bool found;

	if (!s)
		return false;
	pthread_mutex_lock(&rv_redact_lock);
	found = rv_redact_find(s, &len) != NULL;
	pthread_mutex_unlock(&rv_redact_lock);
	return found;
}

void rv_redact_hint(const char *secret, char *out, size_t size)
{
	if (!secret || !*secret) {
		snprintf(out, size, "<unset>");
		return;
	}
	snprintf(out, size, "%.4s...(%zu chars)", secret, strlen(secret));
}
