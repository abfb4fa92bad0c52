/*
 * lite_server: a daytona-lite started by a test, on a free loopback port,
 * with its own state directory and API key.
 *
 *	struct lite_server s;
 *	ck_assert(lite_server_start(&s, (const char *[]){ "--fault-...",
 *		  "0.3", NULL }));
 *	... s.api_url, s.api_key ...
 *	lite_server_stop(&s);	(destroys its sandboxes)
 */
#ifndef RUNEVAL_TESTS_LITE_SERVER_H
#define RUNEVAL_TESTS_LITE_SERVER_H

#include <stdbool.h>
#include <sys/types.h>

struct lite_server {
	pid_t pid;
	char *dir;		/* temporary; state in dir/state */
	char *log;		/* dir/lite.log */
	char *api_url;		/* "http://127.0.0.1:PORT/api" */
	char *api_key;
	char env_url[256];	/* "DAYTONA_API_URL=..." for tu_spawn */
	char env_key[128];	/* "DAYTONA_API_KEY=..." */
};

/* Start it with extra arguments (NULL-terminated, may be NULL). */
bool lite_server_start(struct lite_server *s, const char *const *extra);

/* Stop it (SIGTERM, then SIGKILL) and remove its directory. */
void lite_server_stop(struct lite_server *s);

#endif
