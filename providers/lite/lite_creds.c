/* lite_creds: strict credential parsing and scrubbing. */
#include "lite_creds.h"

#include "lite_route.h"
#include "rv_buf.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *lite_bearer_token(const char *value, size_t *len)
{
	const char *t;

	if (!value || strncasecmp(value, "bearer ", 7))
		return NULL;
	t = value + 7;
	for (*len = 0; t[*len]; (*len)++)
		if ((unsigned char)t[*len] <= 0x20 ||
		    (unsigned char)t[*len] >= 0x7f)
			return NULL;
	return *len ? t : NULL;
}

/* Calls fn for each "name=value" pair of a Cookie header. */
static void lite_cookie_each(const char *cookies,
			     bool (*fn)(const char *pair, size_t n, void *arg),
			     void *arg)
{
	const char *p = cookies;

	while (*p) {
		size_t n;

		while (*p == ' ' || *p == '\t' || *p == ';')
			p++;
		n = strcspn(p, ";");
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n && !fn(p, n, arg))
			return;
		p += strcspn(p, ";");
	}
}

struct lite_cookie_find {
	const char *name;
	const char *value;
	size_t len;
};

static bool lite_cookie_match(const char *pair, size_t n, void *arg)
{
	struct lite_cookie_find *f = arg;
	size_t k = strlen(f->name);

	if (n > k && pair[k] == '=' && !strncmp(pair, f->name, k)) {
		f->value = pair + k + 1;
		f->len = n - k - 1;
		return false;
	}
	return true;
}

const char *lite_cookie_get(const char *cookies, const char *name,
			    size_t *len)
{
	struct lite_cookie_find f = { name, NULL, 0 };

	lite_cookie_each(cookies, lite_cookie_match, &f);
	*len = f.len;
	return f.value;
}

struct lite_cookie_keep {
	const char *prefix;
	struct rv_buf out;
};

static bool lite_cookie_keep(const char *pair, size_t n, void *arg)
{
	struct lite_cookie_keep *k = arg;
	size_t plen = strlen(k->prefix);

	if (n >= plen && !strncasecmp(pair, k->prefix, plen))
		return true;
	if (k->out.len)
		rv_buf_adds(&k->out, "; ");
	rv_buf_add(&k->out, pair, n);
	return true;
}

char *lite_cookie_without(const char *cookies, const char *prefix)
{
	struct lite_cookie_keep k = { prefix, RV_BUF_INIT };

	lite_cookie_each(cookies, lite_cookie_keep, &k);
	if (!k.out.len) {
		rv_buf_release(&k.out);
		return NULL;
	}
	return rv_buf_detach(&k.out, NULL);
}

char *lite_target_without_param(const char *target, const char *name)
{
	const char *q = strchr(target, '?'), *p;
	struct rv_buf out = RV_BUF_INIT;
	bool first = true;

	if (!q) {
		rv_buf_adds(&out, target);
		return rv_buf_detach(&out, NULL);
	}
	rv_buf_add(&out, target, (size_t)(q - target));
	for (p = q + 1; *p;) {
		size_t n = strcspn(p, "&"), k = strcspn(p, "=&");
		char *key = lite_pct_decode(p, k, true);

		if (strcasecmp(key, name)) {
			rv_buf_add(&out, first ? "?" : "&", 1);
			rv_buf_add(&out, p, n);
			first = false;
		}
		free(key);
		p += n;
		if (*p == '&')
			p++;
	}
	return rv_buf_detach(&out, NULL);
}

bool lite_has_secret(const char *value, const char *secret)
{
	return secret && strlen(secret) >= 8 && strstr(value, secret);
}
