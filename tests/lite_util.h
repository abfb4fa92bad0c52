/*
 * lite_util: helpers for the daytona-lite and e2b-lite suites: a server
 * started on a free port with a temporary state directory, and calls to
 * its API, toolbox and previews.  Servers die with the test process (a failed
 * check exits without teardown), destroying their sandboxes.
 */
#ifndef RUNEVAL_TESTS_LITE_UTIL_H
#define RUNEVAL_TESTS_LITE_UTIL_H

#include <check.h>
#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "rv_http.h"

#define TL_KEY "tl-test-key-0123456789"

struct tl_server {
	const char *prog;	/* "daytona-lite" (NULL) or "e2b-lite" */
	pid_t pid;
	int port;
	char *tmp;		/* temporary root, removed by tl_free() */
	char *state_dir;	/* tmp/state */
	char *log;		/* tmp/server.log */
	char base[64];		/* http://127.0.0.1:PORT */
};

/* The server of the tl_tcase() fixture. */
extern struct tl_server tl_srv;

/* A test case whose tests each get tl_srv started with default flags. */
TCase *tl_tcase(const char *name);

/*
 * Start build/<s->prog> (daytona-lite unless set) with the extra flags
 * (NULL-terminated, may be NULL); s->tmp is made unless already set (a
 * restart reuses it).
 */
void tl_start(struct tl_server *s, const char *const *extra);
/* SIGTERM and wait: every sandbox is destroyed. */
void tl_stop(struct tl_server *s);
/* SIGKILL the server alone: its sandboxes stay. */
void tl_kill(struct tl_server *s);
/* Stop if running, remove the temporary directory. */
void tl_free(struct tl_server *s);

/*
 * One request to the server (url relative to base when it starts with
 * '/'); headers NULL-terminated.  Returns the status (0 = no answer).
 */
long tl_req(struct tl_server *s, const char *method, const char *url,
	    const char *const *headers, const char *body,
	    struct rv_http_response *resp);

/* An API call (path after /api) with the test key; *out gets the JSON. */
long tl_api(struct tl_server *s, const char *method, const char *path,
	    const char *body, json_t **out);

/* Create a sandbox, check that it started; its id (malloc'ed). */
char *tl_create(struct tl_server *s, const char *body);

/* process/execute in sandbox id; the result text (malloc'ed), *code. */
char *tl_exec(struct tl_server *s, const char *id, const char *cmd,
	      int *exit_code);

/* The preview link of port in sandbox id: {sandboxId, url, token}. */
json_t *tl_preview_link(struct tl_server *s, const char *id, int port);

/* GET path on port of sandbox id through the preview URL. */
long tl_preview(struct tl_server *s, const char *id, int port,
		const char *path, bool with_token,
		struct rv_http_response *resp);

/*
 * The end of a python3 app for tl_start_app() that defines handle(conn)
 * (and imports socket, sys, threading): serve 127.0.0.1:argv[1], each
 * connection on a thread of its own.
 */
#define TL_PY_SERVE \
	"s = socket.socket()\n" \
	"s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n" \
	"s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen(16)\n" \
	"while True:\n" \
	"    c, _ = s.accept()\n" \
	"    threading.Thread(target=handle, args=(c,), daemon=True).start()\n"

/*
 * A python3 app that answers every request with the request head it got:
 * what a proxy forwarded, to check that no credential of the server's
 * went through.
 */
#define TL_PY_HEAD_APP \
	"import socket, sys, threading\n" \
	"def handle(c):\n" \
	"    data = b''\n" \
	"    while b'\\r\\n\\r\\n' not in data:\n" \
	"        d = c.recv(65536)\n" \
	"        if not d: break\n" \
	"        data += d\n" \
	"    head = data.split(b'\\r\\n\\r\\n')[0]\n" \
	"    c.sendall(b'HTTP/1.1 200 OK\\r\\nContent-Length: %d\\r\\n'\n" \
	"              b'Connection: close\\r\\n\\r\\n' % len(head) + head)\n" \
	"    c.close()\n" \
	TL_PY_SERVE

/*
 * Write the python3 program script to /tmp/<name>.py in sandbox id, start
 * it with port as its argument, and wait until GET /ready through the
 * preview answers 200 (502 meanwhile).
 */
void tl_start_app(struct tl_server *s, const char *id, const char *name,
		  const char *script, int port);

/* How many host processes have marker in their command line. */
int tl_count_procs(const char *marker);

/*
 * Wait up to timeout_ms for exactly n such processes: a background job
 * is forked before it execs, so right after the command that started it
 * returns its command line may still be the shell's.
 */
bool tl_wait_procs(const char *marker, int n, int timeout_ms);

/* The server's log (malloc'ed), for messages. */
char *tl_log(struct tl_server *s);

#endif
