#include "report_jscan.h"

#include "rv_alloc.h"
#include "rv_err.h"

#include <float.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define JSCAN_MAX_DEPTH 64

static bool jscan_fail(struct jscan *s, const char *why)
{
	if (!s->err)
		s->err = why;
	return false;
}

void jscan_init(struct jscan *s, const char *data, size_t len)
{
	s->p = data;
	s->end = data + len;
	s->err = NULL;
}

const char *jscan_type_name(enum jscan_type t)
{
	switch (t) {
	case JSCAN_OBJECT: return "object";
	case JSCAN_ARRAY: return "array";
	case JSCAN_STRING: return "string";
	case JSCAN_NUMBER: return "number";
	case JSCAN_TRUE:
	case JSCAN_FALSE: return "boolean";
	case JSCAN_NULL: return "null";
	case JSCAN_BAD: break;
	}
	return "invalid JSON";
}

/* Consume c after whitespace, or fail. */
static inline bool jscan_eat(struct jscan *s, char c)
{
	jscan_ws(s);
	if (s->p < s->end && *s->p == c) {
		s->p++;
		return true;
	}
	return jscan_fail(s, c == ':' ? "expected ':'" :
			  c == '{' ? "expected an object" : "unexpected character");
}

static int jscan_hex4(const char *p)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

static void jscan_put_utf8(struct rv_buf *out, uint32_t cp)
{
	char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12);
		b[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | cp >> 18);
		b[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		b[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (out)
		rv_buf_add(out, b, n);
}

/* A \u escape (s->p after the 'u'), with its surrogate pair. */
static bool jscan_unicode(struct jscan *s, struct rv_buf *out)
{
	int hi, lo;

	if (s->end - s->p < 4 || (hi = jscan_hex4(s->p)) < 0)
		return jscan_fail(s, "invalid \\u escape");
	s->p += 4;
	if (hi == 0)
		return jscan_fail(s, "\\u0000 is not allowed in strings");
	if (hi >= 0xdc00 && hi <= 0xdfff)
		return jscan_fail(s, "invalid Unicode surrogate");
	if (hi < 0xd800 || hi > 0xdbff) {
		jscan_put_utf8(out, (uint32_t)hi);
		return true;
	}
	if (s->end - s->p < 6 || s->p[0] != '\\' || s->p[1] != 'u' ||
	    (lo = jscan_hex4(s->p + 2)) < 0xdc00 || lo > 0xdfff)
		return jscan_fail(s, "invalid Unicode surrogate");
	s->p += 6;
	jscan_put_utf8(out, 0x10000 + (((uint32_t)hi - 0xd800) << 10) +
		       ((uint32_t)lo - 0xdc00));
	return true;
}

/* Length of the valid UTF-8 sequence at p (lead byte >= 0x80), or 0. */
static size_t jscan_utf8_len(const unsigned char *p, const unsigned char *end)
{
	size_t n;
	uint32_t cp, min;

	if (*p >= 0xc2 && *p <= 0xdf) {
		n = 2; cp = *p & 0x1f; min = 0x80;
	} else if (*p >= 0xe0 && *p <= 0xef) {
		n = 3; cp = *p & 0x0f; min = 0x800;
	} else if (*p >= 0xf0 && *p <= 0xf4) {
		n = 4; cp = *p & 0x07; min = 0x10000;
	} else {
		return 0;
	}
	if ((size_t)(end - p) < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static bool jscan_escape(struct jscan *s, struct rv_buf *out)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *hit;

	if (s->p >= s->end)
		return jscan_fail(s, "unterminated string");
	if (*s->p == 'u') {
		s->p++;
		return jscan_unicode(s, out);
	}
	hit = memchr(from, *s->p, sizeof(from) - 1);
	if (!hit)
		return jscan_fail(s, "invalid escape in string");
	if (out)
		rv_buf_addch(out, to[hit - from]);
	s->p++;
	return true;
}

/* Bytes that stand for themselves in a string: ASCII from 0x20 but " \ */
#define J16(x) x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x
static const unsigned char jscan_plain[256] = {
	J16(0), J16(0),
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x22 " */
	J16(1), J16(1),
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,	/* 0x5c \ */
	J16(1), J16(1),
	/* 0x80 and up: UTF-8, checked on its own */
};
#undef J16

/*
 * Past the bytes that stand for themselves, eight at a time: a word has
 * no byte < 0x20, '"', '\\' or >= 0x80 exactly when the zero-byte tests
 * below all fail (Mycroft's haszero), and the lowest byte they mark is the
 * first that is not plain.
 */
static inline const char *jscan_skip_plain(const char *p, const char *end)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t ones = 0x0101010101010101ULL, high = ones * 0x80;

	while (end - p >= 8) {
		uint64_t w, q, b, hit;

		memcpy(&w, p, sizeof(w));
		q = w ^ (ones * '"');
		b = w ^ (ones * '\\');
		hit = (((w - ones * 0x20) & ~w) | ((q - ones) & ~q) |
		       ((b - ones) & ~b) | w) & high;
		/* a borrow can mark bytes after the first hit, never before */
		if (hit)
			return p + (__builtin_ctzll(hit) >> 3);
		p += 8;
	}
#endif
	while (p < end && jscan_plain[(unsigned char)*p])
		p++;
	return p;
}

/* The rest of a string from the first byte that needs care, into out. */
static bool jscan_string_slow(struct jscan *s, struct rv_buf *out)
{
	while (s->p < s->end) {
		const char *run = s->p;
		unsigned char c;

		s->p = jscan_skip_plain(s->p, s->end);
		if (out && s->p > run)
			rv_buf_add(out, run, (size_t)(s->p - run));
		if (s->p >= s->end)
			break;
		c = (unsigned char)*s->p;
		if (c == '"') {
			s->p++;
			return true;
		} else if (c == '\\') {
			s->p++;
			if (!jscan_escape(s, out))
				return false;
		} else if (c < 0x20) {
			return jscan_fail(s, "control character in string");
		} else {
			size_t n = jscan_utf8_len((const unsigned char *)s->p,
						  (const unsigned char *)s->end);

			if (!n)
				return jscan_fail(s, "invalid UTF-8 in string");
			if (out)
				rv_buf_add(out, s->p, n);
			s->p += n;
		}
	}
	return jscan_fail(s, "unterminated string");
}

/* A string with an escape or non-ASCII byte, from start (after '"'). */
static __attribute__((noinline)) bool
jscan_str_slow(struct jscan *s, const char *start, struct rv_buf *scratch,
	       const char **str, size_t *len)
{
	if (scratch) {
		rv_buf_reset(scratch);
		rv_buf_add(scratch, start, (size_t)(s->p - start));
	}
	if (!jscan_string_slow(s, str ? scratch : NULL))
		return false;
	if (str)
		*str = scratch->data;
	if (len)
		*len = scratch->len;
	return true;
}

static inline bool jscan_str_at(struct jscan *s, struct rv_buf *scratch,
				const char **str, size_t *len)
{
	const char *start;

	if (!jscan_eat(s, '"'))
		return jscan_fail(s, "expected a string");
	start = s->p;
	s->p = jscan_skip_plain(s->p, s->end);
	if (s->p >= s->end || *s->p != '"')
		return jscan_str_slow(s, start, scratch, str, len);
	if (str)	/* the common case: no copy */
		*str = start;
	if (len)
		*len = (size_t)(s->p - start);
	s->p++;
	return true;
}

bool jscan_str(struct jscan *s, struct rv_buf *scratch, const char **str,
	       size_t *len)
{
	if (str && !scratch)
		rv_bug("jscan_str: a string wanted without scratch space");
	return jscan_str_at(s, scratch, str, len);
}

bool jscan_string(struct jscan *s, struct rv_buf *out)
{
	const char *str;
	size_t len;

	if (!out)
		return jscan_str(s, NULL, NULL, NULL);
	if (!jscan_str(s, out, &str, &len))
		return false;
	if (str != out->data) {
		rv_buf_reset(out);
		rv_buf_add(out, str, len);
	}
	return true;
}

/*
 * A number as the scanner reads it: its digits in m (which wraps past 19
 * digits: strtod reads those), the power of ten of its last digit in e,
 * and the exponent (clamped far beyond any double's range).
 */
struct jscan_num {
	uint64_t m;
	int digits, e, exp;
	bool neg;
};

static inline const char *jscan_digits(const char *p, const char *end,
				struct jscan_num *n, bool frac)
{
	const char *start = p;
	uint64_t m = n->m;
	int k;

	for (; p < end && (unsigned char)(*p - '0') < 10; p++)
		m = m * 10 + (uint64_t)(*p - '0');
	/* past 1000 digits only strtod reads it: keep the ints small */
	k = p - start > 1000 ? 1000 : (int)(p - start);
	n->m = m;
	n->digits += k;
	if (frac)
		n->e -= k;
	return p;
}

/*
 * Clinger's fast path: when the mantissa is below 2^53 and the power of
 * ten within 1e22 both are exact doubles, so one IEEE multiply or divide
 * (round to nearest, no excess precision) rounds correctly; a larger power
 * can move into the mantissa while that stays below 2^53.  false when the
 * number needs strtod.
 */
static bool jscan_fast_number(const struct jscan_num *n, double *out)
{
	static const double pow10[] = {
		1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
		1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
	};
	const uint64_t max = 1ULL << 53;
	uint64_t m = n->m;
	int e = n->e + n->exp;
	double v;

	if (FLT_EVAL_METHOD != 0 || n->digits > 19)
		return false;
	if (m == 0) {
		v = 0;
	} else if (m > max || e < -22) {
		return false;
	} else if (e < 0) {
		v = (double)m / pow10[-e];
	} else {
		for (; e > 22; e--) {	/* at most 16 steps: m >= 1 */
			if (m > max / 10)
				return false;
			m *= 10;
		}
		v = (double)m * pow10[e];
	}
	*out = n->neg ? -v : v;
	return true;
}

/* The text of a number the fast path cannot take, through strtod. */
static double jscan_strtod(const char *start, const char *end)
{
	size_t len = (size_t)(end - start);
	char tmp[64], *big = NULL, *buf = tmp;
	double v;

	if (len >= sizeof(tmp))
		buf = big = rv_xstrndup(start, len);
	else {
		memcpy(tmp, start, len);
		tmp[len] = '\0';
	}
	v = strtod(buf, NULL);
	free(big);
	return v;
}

static const char *jscan_exponent(const char *p, const char *end,
				  struct jscan_num *n)
{
	const char *q;
	bool neg = false;

	if (p < end && (*p == '+' || *p == '-'))
		neg = *p++ == '-';
	for (q = p; q < end && *q >= '0' && *q <= '9'; q++)
		if (n->exp < 100000)
			n->exp = n->exp * 10 + (*q - '0');
	if (neg)
		n->exp = -n->exp;
	return q == p ? NULL : q;
}

bool jscan_number(struct jscan *s, double *out)
{
	struct jscan_num n = { 0 };
	const char *p, *start, *q;

	jscan_ws(s);
	start = p = s->p;
	if (p < s->end && *p == '-') {
		n.neg = true;
		p++;
	}
	if (p < s->end && *p == '0')
		p++;
	else if (p < s->end && *p >= '1' && *p <= '9')
		p = jscan_digits(p, s->end, &n, false);
	else
		return jscan_fail(s, "invalid number");
	if (p < s->end && *p == '.') {
		q = jscan_digits(p + 1, s->end, &n, true);
		if (q == p + 1)
			return jscan_fail(s, "invalid number");
		p = q;
	}
	if (p < s->end && (*p == 'e' || *p == 'E')) {
		p = jscan_exponent(p + 1, s->end, &n);
		if (!p)
			return jscan_fail(s, "invalid number");
	}
	s->p = p;
	if (!jscan_fast_number(&n, out))
		*out = jscan_strtod(start, p);
	return true;
}

static bool jscan_literal(struct jscan *s, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n))
		return jscan_fail(s, "invalid literal");
	s->p += n;
	return true;
}

bool jscan_bool(struct jscan *s, bool *out)
{
	jscan_ws(s);
	*out = s->p < s->end && *s->p == 't';
	/* constant lengths: the compiler compares words, no calls */
	if (*out && s->end - s->p >= 4 && !memcmp(s->p, "true", 4)) {
		s->p += 4;
		return true;
	}
	if (!*out && s->end - s->p >= 5 && !memcmp(s->p, "false", 5)) {
		s->p += 5;
		return true;
	}
	return jscan_fail(s, "invalid literal");
}

bool jscan_object_begin(struct jscan *s)
{
	return jscan_eat(s, '{');
}

/*
 * The common key, "name": with plain bytes and nothing between its quote
 * and the colon, read with the pointer kept in a register; false (and
 * nothing consumed) for any other, which jscan_str_at() then reads.
 */
static inline bool jscan_plain_key(struct jscan *s, const char **key,
				   size_t *klen)
{
	const char *p = s->p, *end = s->end, *start = p + 1;

	if (p >= end || *p != '"')
		return false;
	p = jscan_skip_plain(start, end);
	if (end - p < 2 || p[0] != '"' || p[1] != ':')
		return false;
	if (key)
		*key = start;
	if (klen)
		*klen = (size_t)(p - start);
	s->p = p + 2;
	return true;
}

bool jscan_object_next(struct jscan *s, bool *first, struct rv_buf *scratch,
		       const char **key, size_t *klen)
{
	jscan_ws(s);
	if (s->p < s->end && *s->p == '}') {
		s->p++;
		return false;
	}
	if (!*first && !jscan_eat(s, ','))
		return jscan_fail(s, "expected ',' or '}'");
	*first = false;
	if (jscan_plain_key(s, scratch ? key : NULL, klen))
		return true;
	if (!jscan_str_at(s, scratch, scratch ? key : NULL, klen) ||
	    !jscan_eat(s, ':'))
		return false;
	return true;
}

static bool jscan_skip_depth(struct jscan *s, int depth);

bool jscan_array_begin(struct jscan *s)
{
	return jscan_eat(s, '[');
}

bool jscan_array_next(struct jscan *s, bool *first)
{
	jscan_ws(s);
	if (s->p < s->end && *s->p == ']') {
		s->p++;
		return false;
	}
	if (!*first && !jscan_eat(s, ','))
		return jscan_fail(s, "expected ',' or ']'");
	*first = false;
	jscan_ws(s);
	return true;
}

static bool jscan_skip_array(struct jscan *s, int depth)
{
	bool first = true;

	s->p++;
	while (jscan_array_next(s, &first))
		if (!jscan_skip_depth(s, depth + 1))
			return false;
	return !s->err;
}

static bool jscan_skip_depth(struct jscan *s, int depth)
{
	double num;
	bool first = true;

	if (depth > JSCAN_MAX_DEPTH)
		return jscan_fail(s, "nested too deeply");
	switch (jscan_peek(s)) {
	case JSCAN_OBJECT:
		s->p++;
		while (jscan_object_next(s, &first, NULL, NULL, NULL))
			if (!jscan_skip_depth(s, depth + 1))
				return false;
		return !s->err;
	case JSCAN_ARRAY: return jscan_skip_array(s, depth);
	case JSCAN_STRING: return jscan_string(s, NULL);
	case JSCAN_NUMBER: return jscan_number(s, &num);
	case JSCAN_TRUE: return jscan_literal(s, "true");
	case JSCAN_FALSE: return jscan_literal(s, "false");
	case JSCAN_NULL: return jscan_literal(s, "null");
	case JSCAN_BAD: break;
	}
	return jscan_fail(s, s->p >= s->end ? "unexpected end of input" :
			  "invalid value");
}

bool jscan_skip(struct jscan *s)
{
	return jscan_skip_depth(s, 0);
}

bool jscan_at_end(struct jscan *s)
{
	jscan_ws(s);
	return s->p >= s->end;
}

bool jscan_seek_key(struct jscan *s, const char *key)
{
	struct rv_buf k = RV_BUF_INIT;
	bool first = true, found = false;
	const char *name;
	size_t len;

	if (!jscan_object_begin(s))
		return false;
	while (jscan_object_next(s, &first, &k, &name, &len)) {
		if (len == strlen(key) && !memcmp(name, key, len)) {
			jscan_peek(s);
			found = true;
			break;
		}
		if (!jscan_skip(s))
			break;
	}
	rv_buf_release(&k);
	return found;
}
