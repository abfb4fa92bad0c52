#include "rv_buf.h"

#include "rv_alloc.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
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

void rv_buf_grow_slow(struct rv_buf *b, size_t n)
{
	rv_buf_grow_max(b, n, SIZE_MAX);
}

void rv_buf_grow_max(struct rv_buf *b, size_t n, size_t limit)
{
	size_t want = b->len + n + 1;
	size_t cap = b->cap ? b->cap : 64;

	if (want <= b->cap)
		return;
	while (cap < want && cap <= SIZE_MAX / 2)
		cap *= 2;
	if (cap < want || cap > limit)
		cap = limit > want ? limit : want;
	if (b->cap) {
		b->data = rv_xrealloc(b->data, cap);
	} else {
		b->data = rv_xmalloc(cap);
		b->data[0] = '\0';
	}
	b->cap = cap;
}

void rv_buf_vaddf(struct rv_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	/* format once, into the room there is; again only when short */
	rv_buf_grow(b, 64);
	va_copy(cp, ap);
	n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, cp);
	va_end(cp);
	if (n <= 0) {
		b->data[b->len] = '\0';
		return;
	}
	if ((size_t)n >= b->cap - b->len) {
		rv_buf_grow(b, (size_t)n);
		vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	}
	b->len += (size_t)n;
}

void rv_buf_addf(struct rv_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rv_buf_vaddf(b, fmt, ap);
	va_end(ap);
}

char *rv_digits(char *end, unsigned long long v, int min)
{
	char *p = end;

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v || end - p < min);
	return p;
}

void rv_buf_add_int(struct rv_buf *b, long long v)
{
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v :
		(unsigned long long)v;
	char d[24], *p = rv_digits(d + sizeof(d), u, 1);

	if (v < 0)
		*--p = '-';
	rv_buf_add(b, p, (size_t)(d + sizeof(d) - p));
}

void rv_buf_add_g(struct rv_buf *b, double v, int prec)
{
	double lim = 1;

	for (int i = 0; i < prec; i++)
		lim *= 10;
	/* %g writes such a number without exponent or fraction; -0 is
	   "-0", so it goes through printf */
	if (v > -lim && v < lim && v == trunc(v) && (v != 0 || !signbit(v)))
		rv_buf_add_int(b, (long long)v);
	else
		rv_buf_addf(b, "%.*g", prec, v);
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

bool rv_shell_name_ok(const char *s, size_t n)
{
	if (!n || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
			return false;
	return true;
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

void rv_buf_add_base64(struct rv_buf *b, const void *data, size_t n)
{
	static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"abcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *d = data;

	rv_buf_grow(b, (n + 2) / 3 * 4);
	for (size_t i = 0; i < n; i += 3) {
		unsigned long v = (unsigned long)d[i] << 16;
		char q[4];

		if (i + 1 < n)
			v |= (unsigned long)d[i + 1] << 8;
		if (i + 2 < n)
			v |= d[i + 2];
		q[0] = set[v >> 18];
		q[1] = set[(v >> 12) & 63];
		q[2] = i + 1 < n ? set[(v >> 6) & 63] : '=';
		q[3] = i + 2 < n ? set[v & 63] : '=';
		rv_buf_add(b, q, 4);
	}
}

/* The value of a base64 character (either alphabet), or -1. */
static int rv_base64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

bool rv_buf_add_unbase64(struct rv_buf *b, const char *s, size_t n)
{
	size_t start = b->len, k = 0;
	unsigned long v = 0;

	while (n && s[n - 1] == '=')
		n--;
	for (size_t i = 0; i < n; i++) {
		int x = rv_base64_value(s[i]);

		if (x < 0) {
			rv_buf_truncate(b, start);
			return false;
		}
		v = (v << 6) | (unsigned long)x;
		if (++k == 4) {
			char out[3] = { (char)(v >> 16), (char)(v >> 8),
					(char)v };

			rv_buf_add(b, out, 3);
			k = 0;
			v = 0;
		}
	}
	if (k == 1) {
		rv_buf_truncate(b, start);
		return false;
	}
	if (k >= 2)
		rv_buf_addch(b, (char)(v >> (k == 2 ? 4 : 10)));
	if (k == 3)
		rv_buf_addch(b, (char)(v >> 2));
	return true;
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

size_t rv_utf8_len(const void *s, size_t n, uint32_t *cp)
{
	const unsigned char *p = s;
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	uint32_t v;
	size_t len;

	if (c < 0x80) {
		if (cp)
			*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	v = c & (len == 2 ? 0x1f : len == 3 ? 0x0f : 0x07);
	for (size_t i = 1; i < len; i++) {
		if (i > 1 && (p[i] < 0x80 || p[i] > 0xbf))
			return 0;
		v = v << 6 | (p[i] & 0x3f);
	}
	if (cp)
		*cp = v;
	return len;
}
