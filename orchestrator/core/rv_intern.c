/* rv_intern: strings kept once for the process (see rv_intern.h). */
#include "rv_intern.h"

#include "rv_alloc.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

/* Open addressing, at most half full; a slot is a string or NULL. */
static struct {
	pthread_mutex_t lock;
	char **slot;
	size_t cap, n;
} intern = { .lock = PTHREAD_MUTEX_INITIALIZER };

static uint64_t intern_hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

/* Where s (n bytes) is, or the free slot it would take. */
static char **intern_find(const char *s, size_t n)
{
	size_t i = (size_t)intern_hash(s, n) & (intern.cap - 1);

	while (intern.slot[i] && (strncmp(intern.slot[i], s, n) ||
				  intern.slot[i][n]))
		i = (i + 1) & (intern.cap - 1);
	return &intern.slot[i];
}

static void intern_grow(void)
{
	char **old = intern.slot;
	size_t cap = intern.cap;

	intern.cap = cap ? cap * 2 : 64;
	intern.slot = rv_xcalloc(intern.cap, sizeof(*intern.slot));
	for (size_t i = 0; i < cap; i++)
		if (old[i])
			*intern_find(old[i], strlen(old[i])) = old[i];
	free(old);
}

const char *rv_intern(const char *s, size_t max)
{
	size_t n = s ? strnlen(s, max) : 0;
	char **at;

	pthread_mutex_lock(&intern.lock);
	if ((intern.n + 1) * 2 > intern.cap)
		intern_grow();
	at = intern_find(s ? s : "", n);
	if (!*at) {
		*at = rv_xstrndup(s ? s : "", n);
		intern.n++;
	}
	pthread_mutex_unlock(&intern.lock);
	return *at;
}
