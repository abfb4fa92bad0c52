/*
 * toolbox_log: session command logs in the Daytona daemon's format.
 *
 * A command's log is one byte stream; each line of stdout starts with
 * TB_MARK_OUT ("\x01\x01\x01") and each line of stderr with TB_MARK_ERR
 * ("\x02\x02\x02").  A marker is also written whenever the stream
 * switches in the middle of a line, so demultiplexing is always exact.
 * What the client sees depends on its X-Daytona-SDK-Version (reference
 * §6.6): tb_out_format() makes that decision.
 *
 * Pure functions, no I/O; everything appends to caller-owned buffers.
 */
#ifndef RUNEVAL_PROVIDERS_DAYTONA_LITE_TOOLBOX_TOOLBOX_LOG_H
#define RUNEVAL_PROVIDERS_DAYTONA_LITE_TOOLBOX_TOOLBOX_LOG_H

#include <stdbool.h>
#include <stddef.h>

#include "rv_buf.h"

#define TB_MARK_OUT "\x01\x01\x01"
#define TB_MARK_ERR "\x02\x02\x02"
#define TB_MARK_LEN 3

enum tb_stream { TB_STDOUT = 0, TB_STDERR = 1 };

struct tb_log {
	struct rv_buf data;	/* the raw log, markers included */
	size_t max;		/* bytes kept; later output is dropped */
	size_t dropped;		/* bytes dropped over max */
	int last;		/* stream of the last byte, -1 before any */
	bool line_start[2];	/* per stream: next byte starts a line */
};

void tb_log_init(struct tb_log *l, size_t max);
void tb_log_release(struct tb_log *l);

/* Append n bytes of output from stream, inserting markers. */
void tb_log_append(struct tb_log *l, enum tb_stream stream, const char *p,
		   size_t n);

/*
 * Split a raw log into stdout and stderr (markers removed); bytes before
 * the first marker are dropped, as the daemon does.
 */
void tb_log_demux(const char *p, size_t n, struct rv_buf *out,
		  struct rv_buf *err);

/* Append the log with every marker removed (the "combined" output). */
void tb_log_strip(const char *p, size_t n, struct rv_buf *out);

/*
 * The same for a stream cut into arbitrary chunks: up to two trailing
 * bytes that may start a marker are held back until the next chunk;
 * tb_strip_flush() releases them at the end.
 */
struct tb_strip {
	char carry[TB_MARK_LEN - 1];
	size_t ncarry;
};
void tb_strip_feed(struct tb_strip *s, const char *p, size_t n,
		   struct rv_buf *out);
void tb_strip_flush(struct tb_strip *s, struct rv_buf *out);

/* How output is shaped for a client (reference §6.6). */
enum tb_out_fmt {
	TB_OUT_SPLIT,		/* raw log + separate stdout/stderr (JSON) */
	TB_OUT_RAW,		/* raw log with markers, text */
	TB_OUT_COMBINED,	/* markers stripped, text */
};

/*
 * sdk_version is X-Daytona-SDK-Version (NULL or "" when absent);
 * split_output is X-Daytona-Split-Output: true.
 */
enum tb_out_fmt tb_out_format(const char *sdk_version, bool split_output);

/*
 * Parse the numeric part of a lenient semantic version ("0.218.0",
 * "v1.2", "0.1.2dev", "1.0.0-rc.1") into out[0..2]; false when v does not
 * start with a number.
 */
bool tb_version_parse(const char *v, unsigned long out[3]);

#endif
