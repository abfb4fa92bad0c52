/*
 * rv_redact: keep secrets out of logs, results and reports.
 *
 * Secrets (API keys, tokens) are registered once, when they are read;
 * every log line goes through rv_redact(), and so does anything written
 * to disk that may echo foreign text (task app output, error bodies).
 * Thread-safe.  Secrets shorter than RV_REDACT_MIN_LEN are not registered
 * (they would mangle ordinary text); registering the same one twice is a
 * no-op.
 */
#ifndef RUNEVAL_ORCHESTRATOR_CORE_RV_REDACT_H
#define RUNEVAL_ORCHESTRATOR_CORE_RV_REDACT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "rv_buf.h"

#define RV_REDACT_MIN_LEN 6
#define RV_REDACT_MARK "[REDACTED]"

/*
 * A secret's leading characters are redacted too, from this many on:
 * loggers print key prefixes ("sk-abc12...", synth-ai's auth the first
 * 15 characters), and 8 characters of a key are 32 bits or more, which
 * ordinary text does not match by chance, while rv_redact_hint() shows
 * only 4.  The whole run that matches is replaced, so "key=sk-abcdefgh..."
 * becomes "key=[REDACTED]...".  A secret shorter than this is redacted
 * whole only.
 */
#define RV_REDACT_PREFIX_MIN 8

/* Remember secret (copied).  NULL or short values are ignored. */
void rv_redact_add(const char *secret);

/* Forget every registered secret (tests). */
void rv_redact_reset(void);

/* A malloc'ed copy of s with every registered secret (and every prefix of
   one of at least RV_REDACT_PREFIX_MIN characters) replaced. */
char *rv_redact(const char *s);

/*
 * The start of s[0..n) (any bytes; a NUL becomes '?'), redacted, for a
 * caller that keeps only its first keep bytes: the text redacted runs far
 * enough past keep that no secret that starts before it can show there,
 * not even its first few characters (a prefix shorter than
 * RV_REDACT_PREFIX_MIN is not redacted, and markers shorter than the
 * secrets they hide pull later text forward).  Cut the result at keep
 * bytes; it is longer than keep exactly when s had more to show.
 * malloc'ed.
 */
char *rv_redact_head(const char *s, size_t n, size_t keep);

/* Replace every registered secret inside b. */
void rv_redact_buf(struct rv_buf *b);

/* Does s contain a registered secret (or such a prefix)? */
bool rv_redact_contains(const char *s);

/*
 * A safe preview of a secret for humans: its first 4 characters and its
 * length ("abcd…(64 chars)"), written into out.  Never the whole value.
 */
void rv_redact_hint(const char *secret, char *out, size_t size);

/*
 * A redacting writer for a stream of output (a task app's log): bytes go
 * to fd line by line, redacted.  A line is held until it ends, or until
 * it passes RV_REDACT_STREAM_LINE_MAX bytes or rv_redact_stream_flush()
 * is called; even then, a tail that may be the start of a secret waits
 * for what follows, so that a secret split across writes is caught whole.
 * Write errors are ignored (a lost log line must not stop the app).  One
 * writer per stream (not thread-safe): write, flush and finish on its
 * thread, or finish once it is joined; after finish, what is written is
 * dropped.  Lines that are the start of a secret with newlines in it (a
 * PEM key) wait for what follows, also through an idle flush: an app that
 * stops there shows them only at finish.  The owner calls
 * rv_redact_stream_release() once no thread uses the stream.
 *
 * A stream may be capped (limit bytes; 0: no cap), because what a task
 * app prints is not runeval's to trust: an app that prints forever must
 * not fill the disk.  The file then gets the first limit - T bytes of
 * the (redacted) output, cut at a line's end where there is one, and a
 * note that the rest is dropped; rv_redact_stream_finish() writes a note
 * with the count dropped and the output's last T bytes (from a line's
 * start where there is one), which say how the app ended.  Until then
 * rv_redact_stream_tail() has them, for an error message.  T is
 * RV_REDACT_STREAM_TAIL, or limit / 2 under 2 T.  The stream adds at
 * most the two notes and two newlines to limit; it holds at most 2 T of
 * the dropped output (its capacity 4 T).  The cap is per stream (one per
 * task app process): a job's logs hold at most limit times the processes
 * it started.
 */
#define RV_REDACT_STREAM_LINE_MAX (64u * 1024)
#define RV_REDACT_STREAM_TAIL (64u * 1024)
#define RV_REDACT_STREAM_CAP_NOTE "[runeval: this log reached its cap of "

struct rv_redact_stream {
	int fd;			/* -1: redact and drop */
	struct rv_buf pending;	/* bytes not written yet */
	unsigned long long limit;	/* 0: no cap */
	unsigned long long written;	/* bytes of output in the file */
	bool mid_line;		/* the last byte written was no newline */
	bool out_nl;		/* the output's last byte was a newline */
	bool finished;
	/* past the cap; under lock, which rv_redact_stream_tail() takes */
	pthread_mutex_t lock;
	unsigned long long dropped;	/* bytes past the cap */
	struct rv_buf tail;	/* the last dropped bytes (up to 2 T) */
	bool tail_at_line;	/* tail starts at a line's start */
};

void rv_redact_stream_init(struct rv_redact_stream *st, int fd,
			  unsigned long long limit);
void rv_redact_stream_write(struct rv_redact_stream *st, const void *data,
			    size_t len);
/* Write out what is pending but a possible secret's start (idle). */
void rv_redact_stream_flush(struct rv_redact_stream *st);
/* Write out everything pending (the stream ended), and the dropped tail
   with its note when the cap was reached; release it all.  Twice is
   once. */
void rv_redact_stream_finish(struct rv_redact_stream *st);

/*
 * The output's last max bytes (at most T) when the stream is past its
 * cap and not finished, appended to out: true.  Otherwise false: the
 * file's end is the output's.  Thread-safe against the writer.
 */
bool rv_redact_stream_tail(struct rv_redact_stream *st, size_t max,
			   struct rv_buf *out);

/* Free what the stream holds (after finish, or instead of it). */
void rv_redact_stream_release(struct rv_redact_stream *st);

/*
 * A log's last max bytes for an error message: st's tail while it holds
 * the output's (past the cap; st may be NULL), after what the file holds
 * before the cap's note when that tail is shorter; else the end of the
 * file at path (rv_read_tail(), whose return this is: -1 with errno when
 * the file cannot be opened; with the stream's tail, its bytes).
 */
long long rv_redact_stream_read_tail(struct rv_redact_stream *st,
				     const char *path, size_t max,
				     struct rv_buf *out);

#endif
