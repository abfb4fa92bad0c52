#include "lite_server.h"

#include <stdio.h>
#include <string.h>

bool lite_server_start_tls(struct lite_server *s, const char *const *extra,
			   const char *cert, const char *key)
{
	const char *args[40];
	size_t n = 0;

	memset(s, 0, sizeof(*s));
	args[n++] = "--quiet";
	if (cert) {
		args[n++] = "--tls-cert";
		args[n++] = cert;
		args[n++] = "--tls-key";
		args[n++] = key;
	}
	for (; extra && *extra && n < 39; extra++)
		args[n++] = *extra;
	args[n] = NULL;
	tl_start(&s->tl, args);
	s->dir = s->tl.tmp;
	s->api_key = TL_KEY;
	snprintf(s->api_url, sizeof(s->api_url), "%s%s/api", cert ? "https" :
		 "http", s->tl.base + strlen("http"));
	snprintf(s->env_url, sizeof(s->env_url), "DAYTONA_API_URL=%s",
		 s->api_url);
	snprintf(s->env_key, sizeof(s->env_key), "DAYTONA_API_KEY=%s",
		 s->api_key);
	return true;
}

bool lite_server_start(struct lite_server *s, const char *const *extra)
{
	return lite_server_start_tls(s, extra, NULL, NULL);
}

void lite_server_stop(struct lite_server *s)
{
	tl_free(&s->tl);
	memset(s, 0, sizeof(*s));
}
