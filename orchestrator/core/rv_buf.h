/*
 * rv_buf: a growable byte buffer, always NUL-terminated (as git's strbuf).
 *
 * struct rv_buf b = RV_BUF_INIT needs no allocation; rv_buf_release()
 * frees the contents and leaves b as RV_BUF_INIT.  rv_buf_detach() hands
 * the bytes to the caller, who frees them.  Allocation aborts on OOM.
 */
#ifndef RUNEVAL_ORCHESTRATOR_CORE_RV_BUF_H
#define RUNEVAL_ORCHESTRATOR_CORE_RV_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct rv_buf {
	char *data;	/* NUL-terminated; "" (not NULL) when empty */
	size_t len;
	size_t cap;
};

extern char rv_buf_empty_[1];
#define RV_BUF_INIT { rv_buf_empty_, 0, 0 }

void rv_buf_init(struct rv_buf *b);
void rv_buf_release(struct rv_buf *b);
/* rv_buf_grow()'s way when there is no room (call that instead). */
void rv_buf_grow_slow(struct rv_buf *b, size_t n);
/* Room for n more bytes; the capacity doubles, but not past limit (a
   reader that knows how much can come grows no further than that). */
void rv_buf_grow_max(struct rv_buf *b, size_t n, size_t limit);

/*
 * Make room for n more bytes.  It and the appends below are inline:
 * every writer of a big file (result.json, the seed log, the reports)
 * appends a few bytes at a time, millions of times.
 */
static inline void rv_buf_grow(struct rv_buf *b, size_t n)
{
	if (n >= b->cap - b->len)	/* room for n and the NUL */
		rv_buf_grow_slow(b, n);
}

static inline void rv_buf_add(struct rv_buf *b, const void *data, size_t n)
{
	rv_buf_grow(b, n);
	if (n)
		memcpy(b->data + b->len, data, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static inline void rv_buf_adds(struct rv_buf *b, const char *s)
{
	rv_buf_add(b, s, strlen(s));
}

static inline void rv_buf_addch(struct rv_buf *b, char c)
{
	rv_buf_grow(b, 1);
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
}
void rv_buf_addf(struct rv_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void rv_buf_vaddf(struct rv_buf *b, const char *fmt, va_list ap);
/* Append v in decimal, as "%lld" would, without printf's cost. */
void rv_buf_add_int(struct rv_buf *b, long long v);
/*
 * Append v as "%.<prec>g" would (prec 1..17): a whole number below
 * 10^prec (a reward of 1, a count) without printf, others through it.
 */
void rv_buf_add_g(struct rv_buf *b, double v, int prec);
/*
 * The decimal digits of v written backwards from end (exclusive), at
 * least min of them (zeros in front); returns where they start.  For
 * callers that build a number's text from its right end.
 */
char *rv_digits(char *end, unsigned long long v, int min);
/* Keep the first len bytes. */
void rv_buf_truncate(struct rv_buf *b, size_t len);
void rv_buf_reset(struct rv_buf *b);
/* Append s as one single-quoted POSIX shell word ('it'\''s'). */
void rv_buf_add_shell_word(struct rv_buf *b, const char *s);
/* Is s[0..n) a name a POSIX shell can export ([A-Za-z_][A-Za-z0-9_]*)? */
bool rv_shell_name_ok(const char *s, size_t n);
/*
 * Write n bytes of data as lowercase hex into out, which has room for
 * 2n + 1 characters (NUL-terminated).  Returns out.
 */
char *rv_hex(const void *data, size_t n, char *out);
/* Append n bytes of data in base64 (RFC 4648, padded). */
void rv_buf_add_base64(struct rv_buf *b, const void *data, size_t n);
/*
 * Append the bytes that base64 text s[0..n) holds (the standard or the
 * URL-safe alphabet, padding optional).  false, with b as it was, when s
 * is not base64.
 */
bool rv_buf_add_unbase64(struct rv_buf *b, const char *s, size_t n);
/*
 * The length of the well-formed UTF-8 sequence at s (n >= 1 bytes there)
 * and its code point in *cp (may be NULL): 1 for ASCII, 2 to 4, or 0 when
 * s does not start one (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF, no sequence cut by n).
 */
size_t rv_utf8_len(const void *s, size_t n, uint32_t *cp);
/* The contents, malloc'ed, now the caller's; b is left empty. */
char *rv_buf_detach(struct rv_buf *b, size_t *len);

#endif
