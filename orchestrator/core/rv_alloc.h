/*
 * rv_alloc: allocators that abort on out-of-memory (as tmux's xmalloc).
 *
 * No caller handles ENOMEM: these never return NULL.  Everything they
 * return is the caller's to free() (rv_xstrdup(NULL) returns NULL).
 */
#ifndef RUNEVAL_ORCHESTRATOR_CORE_RV_ALLOC_H
#define RUNEVAL_ORCHESTRATOR_CORE_RV_ALLOC_H

#include <stddef.h>
#include <stdlib.h>	/* free() */

void *rv_xmalloc(size_t size);
void *rv_xcalloc(size_t nmemb, size_t size);
void *rv_xrealloc(void *ptr, size_t size);
/* Grow an array of nmemb elements of size bytes, checking for overflow. */
void *rv_xreallocarray(void *ptr, size_t nmemb, size_t size);
char *rv_xstrdup(const char *s);
char *rv_xstrndup(const char *s, size_t n);
void *rv_xmemdup(const void *p, size_t n);
char *rv_xasprintf(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

#endif
