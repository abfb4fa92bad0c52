/*
 * minibench_judge: compare what a harness printed (untrusted: the
 * candidate shares its process) with the expected results the task app
 * kept (see minibench_tests_judge() in minibench.h).
 *
 * A result line is "<case> <check> <value>\n": case and check in plain
 * decimal, the value as the check's kind prints it (minibench_driver.c).
 * Every byte of it is checked; nothing in it is trusted but its shape.
 */
#include "minibench.h"
#include "minibench_int.h"

#include "rv_alloc.h"
#include "rv_buf.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MB_SHOW_MAX 48	/* characters of a string shown in a message */

/* The result lines seen for one check. */
struct mb_seen {
	const char *val;
	size_t len;
	unsigned count;
};

/* The checks of each case: [first[c], first[c] + n[c]). */
struct mb_index {
	size_t *first;
	size_t *n;
};

static void mb_index_make(const struct minibench_tests *t,
			  struct mb_index *ix)
{
	size_t nc = t->ncases > 0 ? (size_t)t->ncases : 1;

	ix->first = rv_xcalloc(nc, sizeof(*ix->first));
	ix->n = rv_xcalloc(nc, sizeof(*ix->n));
	for (size_t i = t->nchecks; i-- > 0;) {
		const struct mb_check *c = &t->checks[i];

		ix->first[c->case_no] = i;
		ix->n[c->case_no]++;
	}
}

/* Digits only (no sign, no blank), at most max; false otherwise. */
static bool mb_uint(const char *s, size_t len, unsigned long long max,
		    unsigned long long *out)
{
	unsigned long long v = 0;

	if (!len || (len > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned char)s[i] - '0';

		if (d > 9 || v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* A decimal in [lo, hi] (lo < 0 <= hi), optional '-'. */
static bool mb_int(const char *s, size_t len, long long lo, long long hi,
		   long long *out)
{
	unsigned long long u;

	if (len && s[0] == '-') {
		if (!mb_uint(s + 1, len - 1, 0 - (unsigned long long)lo, &u) ||
		    u == 0)
			return false;
		*out = u == 0 - (unsigned long long)lo ? lo : -(long long)u;
		return true;
	}
	if (!mb_uint(s, len, (unsigned long long)hi, &u))
		return false;
	*out = (long long)u;
	return true;
}

/* Split "<case> <check> <value>"; false when the line is not that. */
static bool mb_split(const char *s, size_t len, unsigned long long *cs,
		     unsigned long long *ck, const char **val, size_t *vlen)
{
	const char *sp1 = memchr(s, ' ', len), *sp2;

	if (!sp1)
		return false;
	sp2 = memchr(sp1 + 1, ' ', len - (size_t)(sp1 + 1 - s));
	if (!sp2 || !mb_uint(s, (size_t)(sp1 - s), INT_MAX, cs) ||
	    !mb_uint(sp1 + 1, (size_t)(sp2 - sp1 - 1), INT_MAX, ck))
		return false;
	*val = sp2 + 1;
	*vlen = len - (size_t)(sp2 + 1 - s);
	return true;
}

/* Record every complete line that names an existing check. */
static void mb_collect(const struct minibench_tests *t,
		       const struct mb_index *ix, const char *out, size_t len,
		       struct mb_seen *seen)
{
	const char *p = out, *end = out + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		unsigned long long cs, ck;
		const char *val;
		size_t vlen;

		if (!nl)
			break;	/* cut short: not a result */
		if (mb_split(p, (size_t)(nl - p), &cs, &ck, &val, &vlen) &&
		    cs < (unsigned long long)t->ncases && ck < ix->n[cs]) {
			struct mb_seen *s = &seen[ix->first[cs] + ck];

			s->val = val;
			s->len = vlen;
			s->count++;
		}
		p = nl + 1;
	}
}

static int mb_hexdigit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decode lowercase hex into out (len / 2 bytes); false when not hex. */
static bool mb_unhex(const char *s, size_t len, char *out)
{
	if (len % 2)
		return false;
	for (size_t i = 0; i < len; i += 2) {
		int hi = mb_hexdigit(s[i]), lo = mb_hexdigit(s[i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i / 2] = (char)(hi << 4 | lo);
	}
	return true;
}

/* Parse n ints separated by single spaces into out. */
static bool mb_ints_parse(const char *s, size_t len, size_t n, int *out)
{
	const char *p = s, *end = s + len;

	for (size_t i = 0; i < n; i++) {
		const char *sp = memchr(p, ' ', (size_t)(end - p));
		const char *stop = sp ? sp : end;
		long long v;

		if (!mb_int(p, (size_t)(stop - p), INT_MIN, INT_MAX, &v) ||
		    (i + 1 < n) != (sp != NULL))
			return false;
		out[i] = (int)v;
		p = stop + 1;
	}
	return n > 0 || len == 0;
}

/* s (len bytes) quoted and escaped, at most MB_SHOW_MAX characters. */
static void mb_show(struct rv_buf *b, const char *s, size_t len)
{
	size_t i;

	rv_buf_addch(b, '"');
	for (i = 0; i < len && i < MB_SHOW_MAX; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			rv_buf_addf(b, "\\%c", c);
		else if (c >= 32 && c < 127)
			rv_buf_addch(b, (char)c);
		else
			rv_buf_addf(b, "\\x%02x", c);
	}
	rv_buf_addch(b, '"');
	if (i < len)
		rv_buf_adds(b, "...");
}

/*
 * The judges of one value: does it pass?  If not, why (appended), and
 * *named set when that message names the value expected (a hint must not
 * say it, minibench_tests_judge()).
 */

/* A string result: "n", or "s" and at most cap - 1 bytes in hex. */
static bool mb_judge_str(const struct mb_check *c, const char *v, size_t len,
			 struct rv_buf *why, bool *named)
{
	size_t n = (len - 1) / 2;
	char *got;
	bool ok;

	if (len == 1 && v[0] == 'n') {
		rv_buf_addf(why, "%s: no terminating NUL within %zu bytes",
			    c->desc, c->n);
		return false;
	}
	if (!len || v[0] != 's' || n >= c->n) {
		rv_buf_addf(why, "%s: malformed result", c->desc);
		return false;
	}
	got = rv_xmalloc(n + 1);
	ok = mb_unhex(v + 1, len - 1, got) && !memchr(got, '\0', n);
	if (!ok) {
		rv_buf_addf(why, "%s: malformed result", c->desc);
	} else if (n != strlen(c->str) || memcmp(got, c->str, n)) {
		ok = false;
		*named = true;
		rv_buf_addf(why, "%s: got ", c->desc);
		mb_show(why, got, n);
		rv_buf_adds(why, ", expected ");
		mb_show(why, c->str, strlen(c->str));
	}
	free(got);
	return ok;
}

/* An int array result (MB_INTS, MB_KEPT_INTS). */
static bool mb_judge_ints(const struct mb_check *c, const char *v, size_t len,
			  struct rv_buf *why, bool *named)
{
	int *got = rv_xcalloc(c->n ? c->n : 1, sizeof(int));
	bool ok = mb_ints_parse(v, len, c->n, got);

	if (!ok)
		rv_buf_addf(why, "%s: malformed result", c->desc);
	for (size_t i = 0; ok && i < c->n; i++) {
		int want = c->kind == MB_INTS ? c->ints[i] : MB_GUARD;

		if (got[i] == want)
			continue;
		ok = false;
		*named = c->kind == MB_INTS;
		if (c->kind == MB_INTS)
			rv_buf_addf(why, "%s: element %zu is %d, expected %d",
				    c->desc, i, got[i], want);
		else
			rv_buf_addf(why, "%s: wrote past the end of the array",
				    c->desc);
	}
	free(got);
	return ok;
}

/* MB_KEPT_CHARS: n bytes of '#', in hex. */
static bool mb_judge_kept_chars(const struct mb_check *c, const char *v,
				size_t len, struct rv_buf *why)
{
	char *got = rv_xmalloc(c->n + 1);
	bool ok = len == 2 * c->n && mb_unhex(v, len, got);

	if (!ok) {
		rv_buf_addf(why, "%s: malformed result", c->desc);
	} else {
		for (size_t i = 0; i < c->n; i++)
			ok = ok && got[i] == '#';
		if (!ok)
			rv_buf_addf(why, "%s: wrote past the end of the buffer",
				    c->desc);
	}
	free(got);
	return ok;
}

/* An integer result (MB_LL, MB_ULL, MB_BOOL). */
static bool mb_judge_int(const struct mb_check *c, const char *v, size_t len,
			 struct rv_buf *why, bool *named)
{
	unsigned long long u;
	long long s;

	*named = true;		/* but when malformed */

	if (c->kind == MB_ULL) {
		if (!mb_uint(v, len, ULLONG_MAX, &u))
			goto malformed;
		if (u != c->ull)
			rv_buf_addf(why, "%s: got %llu, expected %llu",
				    c->desc, u, c->ull);
		return u == c->ull;
	}
	if (!mb_int(v, len, LLONG_MIN, LLONG_MAX, &s))
		goto malformed;
	if (c->kind == MB_BOOL) {
		if ((s != 0) != (c->ll != 0))
			rv_buf_addf(why, "%s: got %lld, expected %s", c->desc,
				    s, c->ll ? "1 (true)" : "0 (false)");
		return (s != 0) == (c->ll != 0);
	}
	if (s != c->ll)
		rv_buf_addf(why, "%s: got %lld, expected %lld", c->desc, s,
			    c->ll);
	return s == c->ll;
malformed:
	*named = false;
	rv_buf_addf(why, "%s: malformed result", c->desc);
	return false;
}

/* Does one check pass with what was seen?  If not, why (appended). */
static bool mb_judge_value(const struct mb_check *c, const struct mb_seen *s,
			   struct rv_buf *why, bool *named)
{
	switch (c->kind) {
	case MB_STR:
		return mb_judge_str(c, s->val, s->len, why, named);
	case MB_INTS:
	case MB_KEPT_INTS:
		return mb_judge_ints(c, s->val, s->len, why, named);
	case MB_KEPT_CHARS:
		return mb_judge_kept_chars(c, s->val, s->len, why);
	default:
		return mb_judge_int(c, s->val, s->len, why, named);
	}
}

/*
 * Does one check pass?  If not, why (appended), and to hint (when not
 * NULL) the same without what was expected or got.
 */
static bool mb_judge_check(const struct mb_check *c, const struct mb_seen *s,
			   const char *missing, struct rv_buf *why,
			   struct rv_buf *hint)
{
	size_t from = why->len;
	bool named = false;

	if (!s->count) {
		rv_buf_addf(why, "%s: no result", c->desc);
		if (missing && *missing)
			rv_buf_addf(why, " (%s)", missing);
	} else if (s->count > 1) {
		rv_buf_addf(why, "%s: %u results for one value", c->desc,
			    s->count);
	} else if (mb_judge_value(c, s, why, &named)) {
		return true;
	} else if (named) {
		if (hint)
			rv_buf_addf(hint, "%s: not the expected result",
				    c->desc);
		return false;
	}
	/* a message that names no expected value (no result, malformed,
	   past the end) tells the model what went wrong as it is */
	if (hint)
		rv_buf_add(hint, why->data + from, why->len - from);
	return false;
}

int minibench_tests_judge(const struct minibench_tests *tests, const char *out,
			  size_t len, const char *missing,
			  struct rv_buf *report, struct rv_buf *hint)
{
	struct mb_seen *seen = rv_xcalloc(tests->nchecks ? tests->nchecks : 1,
					  sizeof(*seen));
	struct rv_buf why = RV_BUF_INIT, hint_why = RV_BUF_INIT;
	struct mb_index ix;
	int passed = 0;

	mb_index_make(tests, &ix);
	mb_collect(tests, &ix, out ? out : "", out ? len : 0, seen);
	for (int cs = 0; cs < tests->ncases; cs++) {
		bool ok = ix.n[cs] > 0;

		rv_buf_reset(&why);
		rv_buf_reset(&hint_why);
		for (size_t k = 0; ok && k < ix.n[cs]; k++) {
			size_t i = ix.first[cs] + k;

			ok = mb_judge_check(&tests->checks[i], &seen[i],
					    missing, &why,
					    hint ? &hint_why : NULL);
		}
		if (ok) {
			passed++;
			rv_buf_addf(report, "PASS %d\n", cs);
			if (hint)
				rv_buf_addf(hint, "PASS %d\n", cs);
		} else {
			rv_buf_addf(report, "FAIL %d: %s\n", cs, why.data);
			if (hint)
				rv_buf_addf(hint, "FAIL %d: %s\n", cs,
					    hint_why.data ? hint_why.data : "");
		}
	}
	rv_buf_addf(report, "RESULT %d %d\n", passed, tests->ncases);
	if (hint)
		rv_buf_addf(hint, "RESULT %d %d\n", passed, tests->ncases);
	rv_buf_release(&why);
	rv_buf_release(&hint_why);
	free(ix.first);
	free(ix.n);
	free(seen);
	return passed;
}
