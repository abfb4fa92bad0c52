#include "rv_buf.h"

#include "rv_alloc.h"

#include <stdio.h>
#include <string.h>

char rv_buf_empty_[1];

void rv_buf_init(struct rv_buf *b)
{
	b->data = rv_buf_empty_;
	b->len = 0;
	b->cap = 0;
}

void rv_buf_release(struct rv_buf *b)
{
	if (b->cap)
		free(b->data);
	rv_buf_init(b);
}

void rv_buf_grow(struct rv_buf *b, size_t n)
{
	size_t want = b->len + n + 1;
	size_t cap = b->cap ? b->cap : 64;

	if (want <= b->cap)
		return;
	while (cap < want)
		cap *= 2;
	if (b->cap) {
		b->data = rv_xrealloc(b->data, cap);
	} else {
		b->data = rv_xmalloc(cap);
		b->data[0] = '\0';
	}
	b->cap = cap;
}

void rv_buf_add(struct rv_buf *b, const void *data, size_t n)
{
	rv_buf_grow(b, n);
	if (n)
		memcpy(b->data + b->len, data, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void rv_buf_adds(struct rv_buf *b, const char *s)
{
	rv_buf_add(b, s, strlen(s));
}

void rv_buf_addch(struct rv_buf *b, char c)
{
	rv_buf_add(b, &c, 1);
}

void rv_buf_vaddf(struct rv_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n <= 0)
		return;
	rv_buf_grow(b, (size_t)n);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void rv_buf_addf(struct rv_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rv_buf_vaddf(b, fmt, ap);
	va_end(ap);
}

void rv_buf_truncate(struct rv_buf *b, size_t len)
{
	if (len >= b->len)
		return;
	b->len = len;
	b->data[len] = '\0';
}

void rv_buf_reset(struct rv_buf *b)
{
	rv_buf_truncate(b, 0);
}

char *rv_buf_detach(struct rv_buf *b, size_t *len)
{
	char *p;

	if (len)
		*len = b->len;
	if (!b->cap)
		return rv_xstrdup("");
	p = b->data;
	rv_buf_init(b);
	return p;
}

void rv_buf_add_shell_word(struct rv_buf *b, const char *s)
{
	rv_buf_addch(b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			rv_buf_adds(b, "'\\''");
		else
			rv_buf_addch(b, *s);
	}
	rv_buf_addch(b, '\'');
}

void rv_buf_add_printable(struct rv_buf *b, const char *s, size_t len,
			  bool ascii)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f || (ascii && c > 0x7f))
			rv_buf_addf(b, "\\x%02x", c);
		else
			rv_buf_addch(b, (char)c);
	}
}

char *rv_hex(const void *data, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *d = data;

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[2 * n] = '\0';
	return out;
}
