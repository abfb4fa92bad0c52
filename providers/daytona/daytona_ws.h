/*
 * daytona_ws: follow a session command's output over the toolbox
 * WebSocket (docs/daytona-api.md section 6.5).
 *
 * The daemon sends binary frames of raw log bytes in which every line is
 * prefixed with a 3-byte marker, \x01\x01\x01 for stdout and \x02\x02\x02
 * for stderr; a marker may be split across frames.  struct daytona_demux
 * turns such a byte stream back into (stream, bytes) pieces; bytes before
 * the first marker are dropped, as the SDK does.
 *
 * struct daytona_follow is one libwebsockets client feeding a demuxer
 * until the server closes the stream or daytona_follow_stop() is called.
 * All the followers of the process share one lws context and one
 * service thread (one of each for ws:// and for wss://), made when the
 * first follower starts and ended when the last one stops.
 */
#ifndef RUNEVAL_PROVIDERS_DAYTONA_DAYTONA_WS_H
#define RUNEVAL_PROVIDERS_DAYTONA_DAYTONA_WS_H

#include <stdbool.h>
#include <stddef.h>

#include "rv_err.h"

enum daytona_stream {
	DAYTONA_STREAM_NONE = 0,
	DAYTONA_STREAM_STDOUT = 1,
	DAYTONA_STREAM_STDERR = 2,
};

struct daytona_demux {
	enum daytona_stream stream;	/* current stream, NONE before any */
	unsigned char held[2];		/* possible start of a marker */
	size_t nheld;
	/* called with each demuxed piece; data is not NUL-terminated */
	void (*sink)(enum daytona_stream stream, const char *data, size_t len,
		     void *arg);
	void *arg;
};

void daytona_demux_init(struct daytona_demux *d,
			void (*sink)(enum daytona_stream, const char *,
				     size_t, void *), void *arg);
/* Feed the next len bytes of the stream. */
void daytona_demux_feed(struct daytona_demux *d, const void *data,
			size_t len);
/* End of stream: bytes still held are data of the current stream. */
void daytona_demux_finish(struct daytona_demux *d);

struct daytona_follow;

/*
 * Start following ws_url (ws:// or wss://), sending headers ("Name:
 * value", NULL-terminated; copied) on the upgrade.  sink runs on the
 * followers' shared service thread, never after daytona_follow_stop()
 * returned: it must not block for long (every stream waits on it, and
 * so does every stop) nor take a lock that a caller of
 * daytona_follow_stop() holds.  The host name is resolved on that
 * thread too.  A connection that fails before the upgrade succeeded is
 * tried again a few times, with backoff; after that the follower ends.
 */
struct daytona_follow *daytona_follow_start(const char *ws_url,
					    const char *const *headers,
					    void (*sink)(enum daytona_stream,
							 const char *, size_t,
							 void *),
					    void *arg,
					    struct rv_err *err);

/* Has the stream ended (closed by the server, or failed)? */
bool daytona_follow_ended(struct daytona_follow *f);

/*
 * Stop following (if still running: its connection is closed), wait
 * until the service thread let go of it, flush the demuxer and free;
 * the last follower's stop ends the service thread.  Returns RV_OK, or
 * the error that ended the stream early (err filled).  NULL-safe.
 */
enum rv_code daytona_follow_stop(struct daytona_follow *f,
				 struct rv_err *err);

#endif
