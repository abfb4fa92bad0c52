/*
 * lite_http: HTTP/1.1 message framing for daytona-lite's server and relay.
 *
 * Pure functions over byte buffers, no I/O.  A head (request or response)
 * is parsed from a complete block ending in an empty line into a struct
 * lite_head, which owns a copy of it (lite_head_release() frees it).  A
 * body's extent is tracked by a struct lite_body fed with bytes as they
 * arrive, so the relay can pass bytes through untouched and still know
 * where one message ends and the next begins.
 *
 * Parsing is strict where leniency would let two parties disagree about
 * message boundaries (both Content-Length and Transfer-Encoding, a bad
 * length, a folded header line are errors) and lenient elsewhere (bare LF
 * line ends).
 */
#ifndef RUNEVAL_PROVIDERS_LITE_LITE_HTTP_H
#define RUNEVAL_PROVIDERS_LITE_LITE_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct rv_buf;

#define LITE_HEAD_MAX (64 * 1024)	/* bytes in one head */
#define LITE_HEADERS_MAX 100		/* header lines in one head */

struct lite_header {
	char *name;
	char *value;		/* trimmed */
};

struct lite_head {
	char *raw;		/* owned copy, split in place */
	char *method;		/* requests: "GET" */
	char *target;		/* requests: "/path?query" */
	int status;		/* responses: 200 */
	char *reason;		/* responses: "OK" (may be "") */
	int minor;		/* HTTP/1.<minor> */
	size_t nhdr;
	struct lite_header hdr[LITE_HEADERS_MAX];
};

enum lite_parse {
	LITE_PARSE_MORE = 0,	/* incomplete: feed more bytes */
	LITE_PARSE_OK = 1,
	LITE_PARSE_BAD = -1,	/* malformed: answer 400 / 502 */
	LITE_PARSE_TOO_BIG = -2,	/* over LITE_HEAD_MAX or _HEADERS_MAX */
};

/*
 * Where the head at the start of buf ends: the offset just past the empty
 * line, or 0 when it is not complete yet.  from is where the previous call
 * stopped looking (0 the first time), so repeated calls stay linear.
 */
size_t lite_head_end(const char *buf, size_t len, size_t from);

/*
 * Parse the head at the start of buf[0..len).  On LITE_PARSE_OK *used is
 * its length (the body starts there) and h must be released; on any other
 * result h holds nothing.
 */
enum lite_parse lite_head_parse_request(struct lite_head *h, const char *buf,
					size_t len, size_t *used);
enum lite_parse lite_head_parse_response(struct lite_head *h,
					 const char *buf, size_t len,
					 size_t *used);
void lite_head_release(struct lite_head *h);

/* Value of the first header called name (case-insensitive), or NULL. */
const char *lite_head_get(const struct lite_head *h, const char *name);

/* Does a comma-separated header (Connection, Upgrade) list token? */
bool lite_head_has_token(const struct lite_head *h, const char *name,
			 const char *token);

/* Is item exactly one of the comma-separated items of list ("a,b")? */
bool lite_list_has(const char *list, const char *item);

/* Is this header hop-by-hop, i.e. never forwarded by a proxy? */
bool lite_header_is_hop(const char *name);

enum lite_body_kind {
	LITE_BODY_NONE,		/* no body */
	LITE_BODY_LENGTH,	/* Content-Length bytes */
	LITE_BODY_CHUNKED,	/* Transfer-Encoding: chunked */
	LITE_BODY_EOF,		/* responses: until the connection closes */
};

struct lite_body {
	enum lite_body_kind kind;
	uint64_t length;	/* LENGTH: declared size */
	uint64_t left;		/* bytes left in the body or current chunk */
	int state;		/* chunked parser state */
	size_t line;		/* bytes seen on the current control line */
	bool done;
};

/*
 * Framing of a request body from its head.  0, or -1 when the framing
 * headers are malformed or ambiguous (answer 400), -2 for a transfer
 * coding other than chunked (answer 501).
 */
int lite_body_init_request(struct lite_body *b, const struct lite_head *h);

/*
 * Framing of a response body; head_request and the status decide whether
 * there is one at all.  -1 when the framing headers are malformed.
 */
int lite_body_init_response(struct lite_body *b, const struct lite_head *h,
			    bool head_request);

/*
 * Feed bytes of the body.  Returns how many of the len bytes belong to it
 * (fewer than len once it is complete: the rest is the next message), or
 * -1 on a chunked framing error.  With out, the payload (chunk framing
 * removed) is appended to it.  An EOF body is never done: its end is the
 * connection's.
 */
ssize_t lite_body_feed(struct lite_body *b, const char *p, size_t len,
		       struct rv_buf *out);

#endif
