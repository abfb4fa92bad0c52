/*
 * e2b_envd: the calls runeval makes to envd, the daemon in an E2B
 * sandbox (docs/e2b-api.md): files by POST /files, processes by Connect
 * RPC as JSON over HTTP/1.1 (process.Process/Start, a server stream of
 * [flags][len BE32][json] envelopes, the last flagged 0x02;
 * process.Process/SendSignal).  Same error contract as e2b_api.h; an
 * RPC's error {code, message} is RV_ERR_TIMEOUT for deadline_exceeded,
 * RV_ERR_NOTFOUND for not_found, else RV_ERR_PROVIDER.
 */
#ifndef RUNEVAL_PROVIDERS_E2B_E2B_ENVD_H
#define RUNEVAL_PROVIDERS_E2B_E2B_ENVD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "e2b_api.h"
#include "rv_buf.h"

/* Connect envelopes cut from a byte stream as it arrives. */
struct e2b_frames {
	struct rv_buf pending;
	bool bad;		/* a malformed envelope: the rest is dropped */
};

/*
 * What a process's events (Start or Connect) have said so far.  Written
 * by one thread (the stream's); others may read pid and ended at any
 * time (atomically), the rest once ended is true or the stream is over.
 */
struct e2b_proc_events {
	pid_t pid;		/* the start event's, 0 before it */
	bool ended;		/* the end event came */
	int exit_code;		/* 128 + signal when a signal ended it */
	int term_signal;	/* that signal, or 0 */
	bool closed;		/* the end of the stream came */
	char error_code[32];	/* its error's code, "" for none */
	char error[200];	/* and message */
	/* its output, as it comes (both streams, in order; may be NULL) */
	void (*output)(const char *data, size_t len, void *arg);
	void *arg;
};

/*
 * Feed bytes of a stream; its events update ev.  Nothing counts after
 * the end envelope, or after a malformed one (which ends the stream
 * with error "internal"); a start event's pid only when positive.
 */
void e2b_frames_feed(struct e2b_frames *f, const char *p, size_t n,
		     struct e2b_proc_events *ev);
void e2b_frames_release(struct e2b_frames *f);

/*
 * The error (and its code) a stream that ended without an end event
 * means: its error, or "the stream ended early".
 */
enum rv_code e2b_proc_error(const struct e2b_proc_events *ev,
			    const char *what, struct rv_err *err);

/*
 * POST /files?path=remote: the local file, or (local NULL) data[0..len),
 * as one multipart part; parents are made.
 */
enum rv_code e2b_envd_write(const struct e2b_client *c,
			    const struct e2b_sandbox_info *s,
			    const char *remote, const char *local,
			    const char *data, size_t len,
			    const struct remote_call *call,
			    struct rv_err *err);

/*
 * Run "/bin/sh -c line" in cwd (NULL: the home) to its end: Start's
 * events into ev (ev->output gets the output), with Connect-Timeout-Ms
 * timeout_ms when > 0.  RV_OK when the end event came; a stream that
 * ended with deadline_exceeded is RV_ERR_TIMEOUT.  Never repeated.
 */
enum rv_code e2b_envd_run(const struct e2b_client *c,
			  const struct e2b_sandbox_info *s, const char *line,
			  const char *cwd, long timeout_ms,
			  const struct remote_call *call,
			  struct e2b_proc_events *ev, struct rv_err *err);

/* A process followed on a stream: the envelopes cut, what they said. */
struct e2b_follow {
	struct e2b_frames frames;
	struct e2b_proc_events ev;
};

/*
 * Start "/bin/sh -c line" in cwd with no deadline and follow its events
 * on a thread of their own (a remote_stream, which updates f; set
 * f->ev.output first).  Never NULL; its failures show when it is
 * stopped.
 */
struct remote_stream *e2b_envd_follow(const struct e2b_client *c,
				      const struct e2b_sandbox_info *s,
				      const char *line, const char *cwd,
				      struct e2b_follow *f);

/* process.Process/SendSignal (SIGTERM or SIGKILL) to pid's group. */
enum rv_code e2b_envd_signal(const struct e2b_client *c,
			     const struct e2b_sandbox_info *s, pid_t pid,
			     int sig, const struct remote_call *call,
			     struct rv_err *err);

#endif
