/*
 * tbclient: test helpers that run the toolbox daemon on this host and
 * talk to it over its unix sockets: plain HTTP (libcurl), raw bytes (for
 * chunked uploads cut anywhere), a minimal WebSocket client (for log
 * follow) and the port forwarder.
 */
#ifndef RUNEVAL_TESTS_TBCLIENT_H
#define RUNEVAL_TESTS_TBCLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "rv_buf.h"

struct tbc_daemon {
	char *dir;		/* temporary; removed by tbc_stop */
	char *home;		/* dir/home, the daemon's --home and cwd */
	char *sock_dir;
	char *toolbox_sock;
	char *forward_sock;
	pid_t pid;
};

/*
 * Start `BUILD/daytona-lite toolbox --socket-dir D --home H` in its own
 * process group (it dies with this process) and wait for D/ready.
 * false on failure.
 */
bool tbc_start(struct tbc_daemon *d);
/*
 * SIGTERM it, wait, remove the directory; the wait status (0: a clean
 * exit, also no sanitizer report).
 */
int tbc_stop(struct tbc_daemon *d);
/* What the daemon wrote to stderr so far (malloc'ed). */
char *tbc_log(const struct tbc_daemon *d);

struct tbc_resp {
	long status;
	struct rv_buf body;
	struct rv_buf headers;
};

/*
 * One request over toolbox.sock with X-Daytona-SDK-Version: version
 * (NULL: no header).  Returns the status (0 on transport failure).
 */
long tbc_call(const struct tbc_daemon *d, const char *method, const char *path,
	      const char *body, const char *version, struct tbc_resp *out);
void tbc_resp_release(struct tbc_resp *r);
/* The body as JSON (owned by the caller), or NULL. */
json_t *tbc_json(const struct tbc_resp *r);

/*
 * Send raw request bytes to sock in pieces of at most piece bytes and
 * read the whole reply (the server closes, or Content-Length is met).
 * The status is parsed into *status; the body follows the headers.
 */
bool tbc_raw(const char *sock, const char *req, size_t len, size_t piece,
	     long *status, struct rv_buf *body);

struct tbc_ws {
	int status;		/* HTTP status of the upgrade (101) */
	struct rv_buf data;	/* every binary payload, concatenated */
	size_t frames, max_frame;
	int close_code;		/* -1 when no close frame came */
};

/* Open path as a WebSocket on sock, read until the server closes. */
bool tbc_ws_follow(const char *sock, const char *path, const char *version,
		   int timeout_ms, struct tbc_ws *ws);

/* Connect to sock (a unix socket); -1 on failure. */
int tbc_unix_connect(const char *sock);

/* Wait for path to exist; false after timeout_ms. */
bool tbc_wait_file(const char *path, int timeout_ms);

#endif
