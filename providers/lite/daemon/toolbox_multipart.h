/*
 * toolbox_multipart: streaming decoders for request bodies.
 *
 * tb_mp parses multipart/form-data (RFC 7578) fed in arbitrary chunks and
 * hands each part's bytes to the caller as they arrive, so an upload of
 * any size needs a few kilobytes of memory.  Binary data is passed through
 * untouched; field names are kept verbatim ("files[0].path").
 *
 * tb_chunked decodes an HTTP/1.1 "Transfer-Encoding: chunked" body (RFC
 * 9112 §7.1) fed in arbitrary chunks.
 *
 * Both report malformed input through struct rv_err (RV_ERR_PROTO) and
 * stop; a handler that returns non-zero stops the parser too
 * (RV_ERR_INTR, its own message left in err).
 */
#ifndef RUNEVAL_PROVIDERS_LITE_TOOLBOX_MULTIPART_H
#define RUNEVAL_PROVIDERS_LITE_TOOLBOX_MULTIPART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lite_http.h"
#include "rv_err.h"

struct tb_mp_handler {
	/* name/filename borrowed for the call; filename NULL when absent */
	int (*part_begin)(void *arg, const char *name, const char *filename,
			  struct rv_err *err);
	int (*part_data)(void *arg, const char *data, size_t len,
			 struct rv_err *err);
	int (*part_end)(void *arg, struct rv_err *err);
};

struct tb_mp;

/*
 * The boundary parameter of a multipart Content-Type, malloc'ed, or
 * NULL when ctype is not multipart/form-data or has no boundary.
 */
char *tb_mp_boundary(const char *ctype);

/* h and arg are borrowed and must outlive the parser. */
struct tb_mp *tb_mp_new(const char *boundary, const struct tb_mp_handler *h,
			void *arg);
void tb_mp_free(struct tb_mp *mp);

/* Feed the next len bytes of the body. */
enum rv_code tb_mp_feed(struct tb_mp *mp, const char *data, size_t len,
			struct rv_err *err);

/* Call at the end of the body: RV_ERR_PROTO when it was cut short. */
enum rv_code tb_mp_finish(struct tb_mp *mp, struct rv_err *err);

/* A chunked body, decoded by lite_http's framing (struct lite_body). */
struct tb_chunked {
	struct lite_body body;
	bool done;		/* the last chunk and trailers were read */
};

#define TB_CHUNKED_INIT { { LITE_BODY_CHUNKED, 0, 0, 0, 0, false }, false }

/*
 * Decode len bytes, calling emit(arg, data, n) for the payload.  Returns
 * RV_OK; check c->done for the end of the body (bytes after it are
 * ignored and *used tells how many were consumed).
 */
enum rv_code tb_chunked_feed(struct tb_chunked *c, const char *in, size_t len,
			     size_t *used,
			     int (*emit)(void *arg, const char *data, size_t n),
			     void *arg, struct rv_err *err);

#endif
