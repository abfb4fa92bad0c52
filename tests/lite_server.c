#include "lite_server.h"

#include "rv_alloc.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The URL from "daytona-lite: API at http://HOST:PORT/api". */
static char *lite_wait_url(const char *log, pid_t pid, int timeout_ms)
{
	for (int waited = 0; waited < timeout_ms; waited += 10) {
		char *text = tu_read_file(log, NULL);
		char *p = text ? strstr(text, "API at ") : NULL;
		char *url = NULL;

		if (p) {
			size_t n = strcspn(p + 7, " \r\n");

			url = rv_xstrndup(p + 7, n);
		}
		free(text);
		if (url)
			return url;
		if (!tu_group_alive(pid))
			return NULL;
		usleep(10000);
	}
	return NULL;
}

bool lite_server_start(struct lite_server *s, const char *const *extra)
{
	char *bin = tu_build_path("daytona-lite");
	char *state, key[40];
	const char *argv[48];
	size_t n = 0;

	memset(s, 0, sizeof(*s));
	s->dir = tu_tmpdir();
	s->log = rv_xasprintf("%s/lite.log", s->dir);
	state = rv_xasprintf("%s/state", s->dir);
	snprintf(key, sizeof(key), "lite-test-key-%ld-%d", (long)getpid(),
		 rand() % 100000);
	s->api_key = rv_xstrdup(key);
	argv[n++] = bin;
	argv[n++] = "--listen";
	argv[n++] = "127.0.0.1:0";
	argv[n++] = "--state-dir";
	argv[n++] = state;
	argv[n++] = "--api-key";
	argv[n++] = s->api_key;
	argv[n++] = "--quiet";
	for (const char *const *e = extra; e && *e && n < 46; e++)
		argv[n++] = *e;
	argv[n] = NULL;
	s->pid = tu_spawn((char *const *)argv, NULL, s->log);
	free(bin);
	free(state);
	s->api_url = lite_wait_url(s->log, s->pid, 15000);
	if (!s->api_url) {
		char *text = tu_read_file(s->log, NULL);

		fprintf(stderr, "daytona-lite did not start:\n%s\n",
			text ? text : "(no log)");
		free(text);
		lite_server_stop(s);
		return false;
	}
	snprintf(s->env_url, sizeof(s->env_url), "DAYTONA_API_URL=%s",
		 s->api_url);
	snprintf(s->env_key, sizeof(s->env_key), "DAYTONA_API_KEY=%s",
		 s->api_key);
	return true;
}

void lite_server_stop(struct lite_server *s)
{
	if (s->pid > 0)
		tu_stop(s->pid);
	s->pid = 0;
	tu_rmrf(s->dir);
	free(s->dir);
	free(s->log);
	free(s->api_url);
	free(s->api_key);
	memset(s, 0, sizeof(*s));
}
