/*
 * lite_server: a daytona-lite for the runeval-side suites, on top of
 * lite_util's tl_server (same process handling), plus what a Daytona
 * client needs: the API URL, the key, and DAYTONA_* environment entries.
 *
 *	struct lite_server s;
 *	lite_server_start(&s, (const char *[]){ "--fault-...", "1", NULL });
 *	... s.api_url, s.api_key, s.env_url ...
 *	lite_server_stop(&s);	(destroys its sandboxes)
 */
#ifndef RUNEVAL_TESTS_LITE_SERVER_H
#define RUNEVAL_TESTS_LITE_SERVER_H

#include <stdbool.h>

#include "lite_util.h"

struct lite_server {
	struct tl_server tl;
	char *dir;		/* temporary, removed by lite_server_stop */
	char api_url[96];	/* "http://127.0.0.1:PORT/api" (https) */
	const char *api_key;
	char env_url[128];	/* "DAYTONA_API_URL=..." for a child */
	char env_key[128];	/* "DAYTONA_API_KEY=..." */
};

/* Start it with extra arguments (NULL-terminated, may be NULL). */
bool lite_server_start(struct lite_server *s, const char *const *extra);

/*
 * The same serving HTTPS and wss with cert and key (--tls-cert,
 * --tls-key): api_url is then "https://127.0.0.1:PORT/api".
 */
bool lite_server_start_tls(struct lite_server *s, const char *const *extra,
			   const char *cert, const char *key);

/* Stop it (its sandboxes are destroyed) and remove its directory. */
void lite_server_stop(struct lite_server *s);

#endif
