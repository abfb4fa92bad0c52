#include "toolbox_multipart.h"

#include "rv_alloc.h"
#include "rv_buf.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#define TB_MP_MAX_HEADERS (16 * 1024)
#define TB_MP_MAX_BOUNDARY 200	/* RFC 2046 allows 70; be lenient */

enum tb_mp_state {
	MP_PREAMBLE,	/* looking for the first delimiter */
	MP_AFTER_DELIM,	/* "--" (the end) or CRLF (a part) follows */
	MP_HEADERS,	/* collecting the part's header block */
	MP_BODY,	/* streaming the part's bytes */
	MP_EPILOGUE,	/* after the close delimiter: ignored */
	MP_FAILED,
};

struct tb_mp {
	enum tb_mp_state state;
	char *delim;		/* "\r\n--" boundary */
	size_t dlen;
	struct rv_buf hold;	/* bytes not consumed yet */
	const struct tb_mp_handler *h;
	void *arg;
};

/*
 * The value of parameter key of a header ("name", "boundary"), quoted or
 * a token, malloc'ed, or NULL.
 */
static char *tb_mp_param(const char *hdr, const char *key)
{
	size_t klen = strlen(key);
	const char *p = hdr;

	while ((p = strchr(p, ';'))) {
		struct rv_buf v = RV_BUF_INIT;

		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncasecmp(p, key, klen) || p[klen] != '=')
			continue;
		p += klen + 1;
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\' && p[1])
					p++;
				rv_buf_addch(&v, *p);
			}
		} else {
			for (; *p && *p != ';' && !isspace((unsigned char)*p);
			     p++)
				rv_buf_addch(&v, *p);
		}
		return rv_buf_detach(&v, NULL);
	}
	return NULL;
}

char *tb_mp_boundary(const char *ctype)
{
	char *b;

	if (!ctype || strncasecmp(ctype, "multipart/form-data", 19))
		return NULL;
	b = tb_mp_param(ctype + 19, "boundary");
	if (b && (!*b || strlen(b) > TB_MP_MAX_BOUNDARY)) {
		free(b);
		b = NULL;
	}
	return b;
}

struct tb_mp *tb_mp_new(const char *boundary, const struct tb_mp_handler *h,
			void *arg)
{
	struct tb_mp *mp = rv_xcalloc(1, sizeof(*mp));

	mp->delim = rv_xasprintf("\r\n--%s", boundary);
	mp->dlen = strlen(mp->delim);
	mp->h = h;
	mp->arg = arg;
	rv_buf_init(&mp->hold);
	/* the first delimiter needs no CRLF before it: pretend there was one */
	rv_buf_add(&mp->hold, "\r\n", 2);
	return mp;
}

void tb_mp_free(struct tb_mp *mp)
{
	if (!mp)
		return;
	free(mp->delim);
	rv_buf_release(&mp->hold);
	free(mp);
}

/* Drop the first n bytes of the hold buffer. */
static void tb_mp_consume(struct tb_mp *mp, size_t n)
{
	memmove(mp->hold.data, mp->hold.data + n, mp->hold.len - n);
	rv_buf_truncate(&mp->hold, mp->hold.len - n);
}

static enum rv_code tb_mp_fail(struct tb_mp *mp, struct rv_err *err,
			       enum rv_code code, const char *msg)
{
	mp->state = MP_FAILED;
	if (code == RV_ERR_INTR)	/* the handler filled err itself */
		return code;
	return rv_errf(err, code, "malformed multipart body: %s", msg);
}

/* Parse a complete header block (NUL-terminated) and start the part. */
static enum rv_code tb_mp_begin_part(struct tb_mp *mp, char *block,
				     struct rv_err *err)
{
	char *name = NULL, *filename = NULL;
	enum rv_code rc = RV_OK;

	for (char *line = block; line && *line; ) {
		char *eol = strstr(line, "\r\n");

		if (eol)
			*eol = '\0';
		if (!strncasecmp(line, "content-disposition:", 20)) {
			free(name);
			free(filename);
			name = tb_mp_param(line, "name");
			filename = tb_mp_param(line, "filename");
		}
		line = eol ? eol + 2 : NULL;
	}
	if (!name)
		rc = tb_mp_fail(mp, err, RV_ERR_PROTO,
				"part without a 'name' in Content-Disposition");
	else if (mp->h->part_begin(mp->arg, name, filename, err))
		rc = tb_mp_fail(mp, err, RV_ERR_INTR, NULL);
	free(name);
	free(filename);
	return rc;
}

/* One step of the state machine; *more is false when input ran out. */
static enum rv_code tb_mp_step(struct tb_mp *mp, bool *more,
			       struct rv_err *err)
{
	struct rv_buf *h = &mp->hold;
	char *hit;

	*more = false;
	switch (mp->state) {
	case MP_PREAMBLE:
	case MP_BODY:
		hit = memmem(h->data, h->len, mp->delim, mp->dlen);
		if (!hit) {
			/* keep what may be the start of a delimiter */
			size_t safe = h->len >= mp->dlen ? h->len - mp->dlen + 1 : 0;

			if (mp->state == MP_BODY && safe &&
			    mp->h->part_data(mp->arg, h->data, safe, err))
				return tb_mp_fail(mp, err, RV_ERR_INTR, NULL);
			tb_mp_consume(mp, safe);
			return RV_OK;
		}
		if (mp->state == MP_BODY) {
			size_t n = (size_t)(hit - h->data);

			if ((n && mp->h->part_data(mp->arg, h->data, n, err)) ||
			    mp->h->part_end(mp->arg, err))
				return tb_mp_fail(mp, err, RV_ERR_INTR, NULL);
		}
		tb_mp_consume(mp, (size_t)(hit - h->data) + mp->dlen);
		mp->state = MP_AFTER_DELIM;
		*more = true;
		return RV_OK;
	case MP_AFTER_DELIM: {
		size_t i = 0;

		if (h->len >= 2 && !memcmp(h->data, "--", 2)) {
			mp->state = MP_EPILOGUE;
			*more = true;
			return RV_OK;
		}
		while (i < h->len && (h->data[i] == ' ' || h->data[i] == '\t'))
			i++;	/* transport padding */
		if (h->len < i + 2)
			return RV_OK;
		if (memcmp(h->data + i, "\r\n", 2))
			return tb_mp_fail(mp, err, RV_ERR_PROTO,
					  "no line break after a boundary");
		tb_mp_consume(mp, i + 2);
		mp->state = MP_HEADERS;
		*more = true;
		return RV_OK;
	}
	case MP_HEADERS: {
		size_t n;
		char *block;
		enum rv_code rc;

		if (h->len >= 2 && !memcmp(h->data, "\r\n", 2))
			n = 0;		/* a part without headers */
		else if ((hit = memmem(h->data, h->len, "\r\n\r\n", 4)))
			n = (size_t)(hit - h->data) + 2;
		else if (h->len > TB_MP_MAX_HEADERS)
			return tb_mp_fail(mp, err, RV_ERR_PROTO,
					  "part headers too long");
		else
			return RV_OK;
		block = rv_xstrndup(h->data, n);
		tb_mp_consume(mp, n + 2);
		rc = tb_mp_begin_part(mp, block, err);
		free(block);
		if (rc)
			return rc;
		mp->state = MP_BODY;
		*more = true;
		return RV_OK;
	}
	case MP_EPILOGUE:
		rv_buf_reset(h);
		return RV_OK;
	case MP_FAILED:
		break;
	}
	return rv_errf(err, RV_ERR_PROTO, "malformed multipart body");
}

enum rv_code tb_mp_feed(struct tb_mp *mp, const char *data, size_t len,
			struct rv_err *err)
{
	bool more = true;

	if (mp->state == MP_FAILED)
		return rv_errf(err, RV_ERR_PROTO, "malformed multipart body");
	if (mp->state == MP_EPILOGUE)
		return RV_OK;
	rv_buf_add(&mp->hold, data, len);
	while (more) {
		enum rv_code rc = tb_mp_step(mp, &more, err);

		if (rc)
			return rc;
	}
	return RV_OK;
}

enum rv_code tb_mp_finish(struct tb_mp *mp, struct rv_err *err)
{
	if (mp->state == MP_EPILOGUE)
		return RV_OK;
	if (mp->state == MP_FAILED)
		return rv_errf(err, RV_ERR_PROTO, "malformed multipart body");
	return tb_mp_fail(mp, err, RV_ERR_PROTO,
			  "body ended before the closing boundary");
}

/* --- chunked transfer coding ---------------------------------------- */

enum rv_code tb_chunked_feed(struct tb_chunked *c, const char *in, size_t len,
			     size_t *used,
			     int (*emit)(void *arg, const char *data, size_t n),
			     void *arg, struct rv_err *err)
{
	struct rv_buf out = RV_BUF_INIT;
	ssize_t n;
	enum rv_code rc = RV_OK;

	c->body.kind = LITE_BODY_CHUNKED;	/* also when zero-filled */
	n = lite_body_feed(&c->body, in, len, &out);
	if (out.len && emit(arg, out.data, out.len))
		rc = RV_ERR_INTR;
	else if (n < 0)
		rc = rv_errf(err, RV_ERR_PROTO, "malformed chunked body");
	c->done = c->body.done;
	if (used)
		*used = n < 0 ? 0 : (size_t)n;
	rv_buf_release(&out);
	return rc;
}
