/*
 * process_log: the redacting pump between a local task app and its log.
 *
 * The app's stdout and stderr are a pipe, never the log file: a thread
 * reads the pipe and appends to the file through rv_redact_stream, so a
 * key the app prints (whole, or its first characters) is "[REDACTED]" on
 * disk, as in Daytona mode.  The pipe is drained as fast as the app
 * writes, so a chatty app never blocks on its output.
 *
 * Ownership: process_log_start() takes the read end of the pipe and the
 * log file's descriptor; process_log_stop() drains what is left, closes
 * both and frees the pump.
 */
#ifndef RUNEVAL_PROVIDERS_PROCESS_PROCESS_LOG_H
#define RUNEVAL_PROVIDERS_PROCESS_PROCESS_LOG_H

#include <stddef.h>

#include "rv_buf.h"
#include "rv_err.h"

struct process_log;

/*
 * Start pumping rfd (the pipe's read end) into log_fd, capped at limit
 * bytes (0: no cap; rv_redact.h).  On failure both descriptors are
 * closed and err says why (RV_ERR_IO).
 */
enum rv_code process_log_start(int rfd, int log_fd, unsigned long long limit,
			       struct process_log **out, struct rv_err *err);

/*
 * Wait (at most wait_ms) until what the app has written so far is in the
 * file: the pipe is empty and the pump idle, or the pipe has ended.
 */
void process_log_sync(struct process_log *pl, long wait_ms);

/* The log's last max bytes, as rv_redact_stream_read_tail() (pl may be
   NULL: the file's). */
long long process_log_tail(struct process_log *pl, const char *path,
			   size_t max, struct rv_buf *out);

/*
 * Stop: wait (at most wait_ms) for the end of the pipe (every writer
 * gone), then write what is left, close, free.  NULL-safe.
 */
void process_log_stop(struct process_log *pl, long wait_ms);

#endif
