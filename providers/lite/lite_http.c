#include "lite_http.h"

#include "rv_alloc.h"
#include "rv_buf.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* RFC 9110 tchar: what a method or a header name may contain. */
static bool lite_is_tchar(unsigned char c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool lite_is_token(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!lite_is_tchar((unsigned char)*s))
			return false;
	return true;
}

size_t lite_head_end(const char *buf, size_t len, size_t from)
{
	/* an empty line is "\n\n" or "\n\r\n"; a head never starts empty */
	for (size_t i = from; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (i + 1 < len && buf[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* Next line of *p, NUL-terminated in place without its CR LF. */
static char *lite_next_line(char **p)
{
	char *line = *p, *nl = strchr(line, '\n');

	if (!nl)
		return NULL;
	*nl = '\0';
	if (nl > line && nl[-1] == '\r')
		nl[-1] = '\0';
	*p = nl + 1;
	return line;
}

static char *lite_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

static enum lite_parse lite_parse_fields(struct lite_head *h, char *p)
{
	char *line;

	while ((line = lite_next_line(&p)) && *line) {
		char *colon = strchr(line, ':');

		if (line[0] == ' ' || line[0] == '\t' || !colon)
			return LITE_PARSE_BAD;	/* obs-fold or no colon */
		*colon = '\0';
		if (!lite_is_token(line))
			return LITE_PARSE_BAD;
		if (h->nhdr == LITE_HEADERS_MAX)
			return LITE_PARSE_TOO_BIG;
		for (const char *v = colon + 1; *v; v++)
			if ((unsigned char)*v < 0x20 && *v != '\t')
				return LITE_PARSE_BAD;
		h->hdr[h->nhdr].name = line;
		h->hdr[h->nhdr].value = lite_trim(colon + 1);
		h->nhdr++;
	}
	return LITE_PARSE_OK;
}

static int lite_parse_version(const char *v)
{
	if (strncmp(v, "HTTP/1.", 7) || !isdigit((unsigned char)v[7]) ||
	    v[8])
		return -1;
	return v[7] - '0';
}

/* Common part: find the end, copy, split the first line off. */
static enum lite_parse lite_head_begin(struct lite_head *h, const char *buf,
				       size_t len, size_t *used,
				       char **first, char **rest)
{
	size_t end = lite_head_end(buf, len < LITE_HEAD_MAX ? len :
				   LITE_HEAD_MAX, 0);

	memset(h, 0, sizeof(*h));
	if (!end)
		return len >= LITE_HEAD_MAX ? LITE_PARSE_TOO_BIG :
			LITE_PARSE_MORE;
	if (memchr(buf, '\0', end))
		return LITE_PARSE_BAD;
	h->raw = rv_xstrndup(buf, end);
	*rest = h->raw;
	*first = lite_next_line(rest);
	*used = end;
	return LITE_PARSE_OK;
}

static enum lite_parse lite_head_finish(struct lite_head *h, char *rest,
					enum lite_parse rc)
{
	if (rc == LITE_PARSE_OK)
		rc = lite_parse_fields(h, rest);
	if (rc != LITE_PARSE_OK)
		lite_head_release(h);
	return rc;
}

enum lite_parse lite_head_parse_request(struct lite_head *h, const char *buf,
					size_t len, size_t *used)
{
	char *first, *rest, *sp1, *sp2;
	enum lite_parse rc;
	size_t skip = 0;

	/* tolerate empty lines before a request (RFC 9112 2.2) */
	while (skip < len && (buf[skip] == '\r' || buf[skip] == '\n'))
		skip++;
	rc = lite_head_begin(h, buf + skip, len - skip, used, &first, &rest);
	if (rc != LITE_PARSE_OK)
		return rc;
	*used += skip;
	sp1 = strchr(first, ' ');
	sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (!sp1 || !sp2 || strchr(sp2 + 1, ' ')) {
		rc = LITE_PARSE_BAD;
		goto out;
	}
	*sp1 = *sp2 = '\0';
	h->method = first;
	h->target = sp1 + 1;
	h->minor = lite_parse_version(sp2 + 1);
	if (!lite_is_token(h->method) || h->minor < 0 ||
	    (h->target[0] != '/' && strcmp(h->target, "*")))
		rc = LITE_PARSE_BAD;
	for (const char *t = h->target; rc == LITE_PARSE_OK && *t; t++)
		if ((unsigned char)*t <= 0x20 || (unsigned char)*t >= 0x7f)
			rc = LITE_PARSE_BAD;
out:
	return lite_head_finish(h, rest, rc);
}

enum lite_parse lite_head_parse_response(struct lite_head *h,
					 const char *buf, size_t len,
					 size_t *used)
{
	char *first, *rest, *sp, *end;
	enum lite_parse rc;
	long status;

	*used = 0;
	rc = lite_head_begin(h, buf, len, used, &first, &rest);
	if (rc != LITE_PARSE_OK)
		return rc;
	sp = strchr(first, ' ');
	if (!sp) {
		rc = LITE_PARSE_BAD;
		goto out;
	}
	*sp = '\0';
	h->minor = lite_parse_version(first);
	errno = 0;
	status = strtol(sp + 1, &end, 10);
	if (h->minor < 0 || end != sp + 4 || status < 100 || status > 999 ||
	    (*end && *end != ' ')) {
		rc = LITE_PARSE_BAD;
		goto out;
	}
	h->status = (int)status;
	h->reason = *end ? end + 1 : end;
out:
	return lite_head_finish(h, rest, rc);
}

void lite_head_release(struct lite_head *h)
{
	free(h->raw);
	memset(h, 0, sizeof(*h));
}

const char *lite_head_get(const struct lite_head *h, const char *name)
{
	for (size_t i = 0; i < h->nhdr; i++)
		if (!strcasecmp(h->hdr[i].name, name))
			return h->hdr[i].value;
	return NULL;
}

bool lite_head_has_token(const struct lite_head *h, const char *name,
			 const char *token)
{
	size_t tlen = strlen(token);

	for (size_t i = 0; i < h->nhdr; i++) {
		const char *v = h->hdr[i].value;

		if (strcasecmp(h->hdr[i].name, name))
			continue;
		while (*v) {
			size_t n;

			while (*v == ' ' || *v == '\t' || *v == ',')
				v++;
			n = strcspn(v, ", \t");
			if (n == tlen && !strncasecmp(v, token, n))
				return true;
			v += n;
		}
	}
	return false;
}

bool lite_list_has(const char *list, const char *item)
{
	size_t n = strlen(item);

	for (const char *p = list; *p;) {
		size_t k = strcspn(p, ",");

		if (k == n && !strncmp(p, item, n))
			return true;
		p += k;
		if (*p == ',')
			p++;
	}
	return false;
}

bool lite_header_is_hop(const char *name)
{
	static const char *const hop[] = {
		"connection", "keep-alive", "proxy-connection", "te",
		"trailer", "upgrade", "proxy-authorization",
		"proxy-authenticate",
	};

	for (size_t i = 0; i < sizeof(hop) / sizeof(hop[0]); i++)
		if (!strcasecmp(name, hop[i]))
			return true;
	return false;
}

/* Content-Length: digits only; repeated values must agree. */
static int lite_content_length(const struct lite_head *h, uint64_t *out,
			       bool *present)
{
	*present = false;
	for (size_t i = 0; i < h->nhdr; i++) {
		const char *v = h->hdr[i].value;
		uint64_t n = 0;

		if (strcasecmp(h->hdr[i].name, "content-length"))
			continue;
		if (!*v)
			return -1;
		for (; *v; v++) {
			if (!isdigit((unsigned char)*v) ||
			    n > UINT64_MAX / 10 - 1)
				return -1;
			n = n * 10 + (uint64_t)(*v - '0');
		}
		if (*present && n != *out)
			return -1;
		*out = n;
		*present = true;
	}
	return 0;
}

static int lite_body_from_headers(struct lite_body *b,
				  const struct lite_head *h)
{
	const char *te = lite_head_get(h, "transfer-encoding");
	bool has_len;
	uint64_t len = 0;

	if (lite_content_length(h, &len, &has_len) < 0)
		return -1;
	if (te) {
		if (has_len)
			return -1;	/* ambiguous: a smuggling vector */
		if (strcasecmp(te, "chunked"))
			return -2;
		b->kind = LITE_BODY_CHUNKED;
		return 0;
	}
	if (has_len) {
		b->kind = len ? LITE_BODY_LENGTH : LITE_BODY_NONE;
		b->length = b->left = len;
		b->done = !len;
		return 0;
	}
	return 1;		/* no framing header */
}

int lite_body_init_request(struct lite_body *b, const struct lite_head *h)
{
	int rc;

	memset(b, 0, sizeof(*b));
	rc = lite_body_from_headers(b, h);
	if (rc == 1) {
		b->kind = LITE_BODY_NONE;
		b->done = true;
		rc = 0;
	}
	return rc;
}

int lite_body_init_response(struct lite_body *b, const struct lite_head *h,
			    bool head_request)
{
	int rc;

	memset(b, 0, sizeof(*b));
	if (head_request || (h->status >= 100 && h->status < 200) ||
	    h->status == 204 || h->status == 304) {
		b->kind = LITE_BODY_NONE;
		b->done = true;
		return 0;
	}
	rc = lite_body_from_headers(b, h);
	if (rc == 1)
		b->kind = LITE_BODY_EOF;
	return rc < 0 ? -1 : 0;
}

enum {
	CH_SIZE,	/* hex digits of a chunk size */
	CH_EXT,		/* rest of the size line (extensions) */
	CH_DATA,
	CH_DATA_END,	/* the CR LF after chunk data */
	CH_TRAILER,	/* trailer lines after the last chunk */
};

#define LITE_CHUNK_LINE_MAX 4096

static int lite_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* One control byte of chunked framing; 0 or -1 on an error. */
static int lite_chunk_ctl(struct lite_body *b, char c)
{
	if (++b->line > LITE_CHUNK_LINE_MAX)
		return -1;
	switch (b->state) {
	case CH_SIZE:
		if (lite_hexval(c) >= 0) {
			if (b->left >> 59)
				return -1;
			b->left = b->left * 16 + (uint64_t)lite_hexval(c);
			return 0;
		}
		if (b->line == 1)
			return -1;	/* no digits */
		b->state = CH_EXT;
		/* fall through */
	case CH_EXT:
		if (c != '\n')
			return 0;
		b->line = 0;
		b->state = b->left ? CH_DATA : CH_TRAILER;
		return 0;
	case CH_DATA_END:
		if (c == '\r' && b->line == 1)
			return 0;
		if (c != '\n')
			return -1;
		b->line = 0;
		b->state = CH_SIZE;
		return 0;
	case CH_TRAILER:
		if (c != '\n')
			return 0;
		/* an empty line ("\n" or "\r\n") ends the message */
		if (b->line <= 2)
			b->done = true;
		b->line = 0;
		return 0;
	}
	return -1;
}

static ssize_t lite_chunked_feed(struct lite_body *b, const char *p,
				 size_t len, struct rv_buf *out)
{
	size_t i = 0;

	while (i < len && !b->done) {
		if (b->state == CH_DATA) {
			size_t n = len - i;

			if (n > b->left)
				n = (size_t)b->left;
			if (out)
				rv_buf_add(out, p + i, n);
			i += n;
			b->left -= n;
			if (!b->left)
				b->state = CH_DATA_END;
			continue;
		}
		if (lite_chunk_ctl(b, p[i++]) < 0)
			return -1;
	}
	return (ssize_t)i;
}

ssize_t lite_body_feed(struct lite_body *b, const char *p, size_t len,
		       struct rv_buf *out)
{
	size_t n = len;

	if (b->done)
		return 0;
	switch (b->kind) {
	case LITE_BODY_NONE:
		b->done = true;
		return 0;
	case LITE_BODY_CHUNKED:
		return lite_chunked_feed(b, p, len, out);
	case LITE_BODY_LENGTH:
		if (n > b->left)
			n = (size_t)b->left;
		b->left -= n;
		b->done = !b->left;
		break;
	case LITE_BODY_EOF:
		break;
	}
	if (out)
		rv_buf_add(out, p, n);
	return (ssize_t)n;
}
