/*
 * fuzz_toolbox_multipart: a file upload as the toolbox daemon inside a
 * sandbox reads it (providers/daytona-lite/toolbox/toolbox_multipart.c): the
 * Content-Type's boundary, the multipart/form-data body, and the same
 * bytes as a chunked request body (tb_chunked_feed).
 *
 * Input: the Content-Type on the first line, the body after it.  Both
 * decoders stream, so the body is decoded whole and in pieces, and both
 * must give the same parts, bytes and verdict.
 */
#include "fuzz.h"

#include "toolbox_multipart.h"
#include "rv_buf.h"

#include <stdbool.h>

static int fuzz_part_begin(void *arg, const char *name, const char *filename,
			   struct rv_err *err)
{
	rv_buf_addf(arg, "[begin '%s' '%s']", name,
		    filename ? filename : "(none)");
	return 0;
}

static int fuzz_part_data(void *arg, const char *data, size_t len,
			  struct rv_err *err)
{
	FUZZ_CHECK(len > 0);
	rv_buf_add(arg, data, len);
	return 0;
}

static int fuzz_part_end(void *arg, struct rv_err *err)
{
	rv_buf_adds(arg, "[end]");
	return 0;
}

static const struct tb_mp_handler fuzz_handler = {
	fuzz_part_begin, fuzz_part_data, fuzz_part_end,
};

/* The parts of body as the handler saw them, then the verdict. */
static void fuzz_multipart(const char *boundary, const uint8_t *body,
			   size_t size, bool pieces, struct rv_buf *log)
{
	struct tb_mp *mp;
	struct rv_err err = RV_ERR_INIT;
	struct fuzz_split sp;
	enum rv_code rc = RV_OK;
	size_t off = 0, n;

	rv_buf_init(log);
	mp = tb_mp_new(boundary, &fuzz_handler, log);
	fuzz_split_init(&sp, body, size);
	while (off < size && rc == RV_OK) {
		n = pieces ? fuzz_split_next(&sp, size - off) : size - off;
		rc = tb_mp_feed(mp, (const char *)body + off, n, &err);
		off += n;
	}
	if (rc == RV_OK)
		rc = tb_mp_finish(mp, &err);
	FUZZ_CHECK(rc == RV_OK || rc == RV_ERR_PROTO);
	rv_buf_addf(log, "[rc %d: %s]", (int)rc, err.msg);
	tb_mp_free(mp);
}

static int fuzz_emit(void *arg, const char *data, size_t n)
{
	FUZZ_CHECK(n > 0);
	rv_buf_add(arg, data, n);
	return 0;
}

/* The payload of body as a chunked body, then how it ended. */
static void fuzz_chunked(const uint8_t *body, size_t size, bool pieces,
			 struct rv_buf *log)
{
	struct tb_chunked c = TB_CHUNKED_INIT;
	struct rv_err err = RV_ERR_INIT;
	struct fuzz_split sp;
	enum rv_code rc = RV_OK;
	size_t off = 0, n, used, total = 0;

	rv_buf_init(log);
	fuzz_split_init(&sp, body, size);
	while (off < size && rc == RV_OK && !c.done) {
		n = pieces ? fuzz_split_next(&sp, size - off) : size - off;
		used = 0;
		rc = tb_chunked_feed(&c, (const char *)body + off, n, &used,
				     fuzz_emit, log, &err);
		FUZZ_CHECK(used <= n);
		FUZZ_CHECK(rc != RV_OK || c.done || used == n);
		total += used;
		off += n;
	}
	rv_buf_addf(log, "[rc %d done %d used %zu]", (int)rc, c.done,
		    rc == RV_OK ? total : 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t hlen = nl ? (size_t)(nl - data) : size;
	const uint8_t *body = nl ? nl + 1 : data + size;
	size_t blen = size - (size_t)(body - data);
	char *ctype = fuzz_cstr(data, hlen);
	char *boundary = tb_mp_boundary(ctype);
	struct rv_buf a, b;

	if (boundary) {
		FUZZ_CHECK(*boundary && strlen(boundary) <= 200);
		fuzz_multipart(boundary, body, blen, false, &a);
		fuzz_multipart(boundary, body, blen, true, &b);
		/* a header block over the limit fails early in small pieces */
		if (blen < 16 * 1024)
			fuzz_same(&a, &b, "multipart");
		rv_buf_release(&a);
		rv_buf_release(&b);
	}
	fuzz_chunked(body, blen, false, &a);
	fuzz_chunked(body, blen, true, &b);
	fuzz_same(&a, &b, "chunked");
	free(boundary);
	free(ctype);
	return 0;
}
