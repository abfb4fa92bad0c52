/*
 * stub_http: the listening half of the tests' HTTP stub servers, on
 * 127.0.0.1 (any free port), one connection at a time, served by a
 * thread: the stub says what to do with each connection, this module
 * accepts them and reads requests.
 *
 *	struct stub_http h = { .serve = my_serve, .arg = me };
 *	port = stub_http_start(&h);
 *	...
 *	stub_http_stop(&h);	(joins the thread: what serve recorded is
 *				 safe to read afterwards)
 */
#ifndef RUNEVAL_TESTS_STUB_HTTP_H
#define RUNEVAL_TESTS_STUB_HTTP_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

struct rv_buf;

struct stub_http {
	/* set before stub_http_start(): called once per accepted
	   connection, which is closed when it returns */
	void (*serve)(int fd, void *arg);
	void *arg;
	/* internal */
	int fd, port;
	volatile int stop;
	pthread_t th;
};

/* Listen and serve in a thread; returns the port.  Aborts on failure. */
int stub_http_start(struct stub_http *h);

/* Stop serving, join the thread, close the socket. */
void stub_http_stop(struct stub_http *h);

/*
 * Read one request from fd into req: the header block, then
 * Content-Length bytes of body, which starts at *body_at.  false when
 * the peer closed first.
 */
bool stub_http_read(int fd, struct rv_buf *req, size_t *body_at);

/* The value of header name (case-insensitive) in head, malloc'ed, or NULL. */
char *stub_http_header(const char *head, const char *name);

/* Send all of s (no SIGPIPE when the client has gone); false on error. */
bool stub_http_send(int fd, const char *s, size_t len);

#endif
