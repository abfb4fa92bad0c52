#include "rv_alloc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Noreturn void rv_oom(size_t size)
{
	fprintf(stderr, "fatal: out of memory allocating %zu bytes\n", size);
	abort();
}

void *rv_xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (!p)
		rv_oom(size);
	return p;
}

void *rv_xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (!p)
		rv_oom(nmemb * size);
	return p;
}

void *rv_xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);

	if (!p)
		rv_oom(size);
	return p;
}

void *rv_xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	if (size && nmemb > SIZE_MAX / size)
		rv_oom(SIZE_MAX);
	return rv_xrealloc(ptr, nmemb * size);
}

char *rv_xstrdup(const char *s)
{
	if (!s)
		return NULL;
	return rv_xmemdup(s, strlen(s) + 1);
}

char *rv_xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = rv_xmalloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

void *rv_xmemdup(const void *p, size_t n)
{
	void *q = rv_xmalloc(n);

	if (n)
		memcpy(q, p, n);
	return q;
}

char *rv_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		rv_oom(0);
	return s;
}
