/*
 * minibench_gen: what the task generators build harnesses with: the
 * per-seed PRNG (splitmix64), case framing and C literal emitters.
 */
#include "minibench_int.h"

#include "rv_alloc.h"
#include "rv_buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

uint64_t mb_u64(struct mb_gen *g)
{
	uint64_t z = (g->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

long long mb_range(struct mb_gen *g, long long lo, long long hi)
{
	uint64_t span = (uint64_t)hi - (uint64_t)lo + 1;
	uint64_t r = mb_u64(g);

	if (span)	/* 0: the whole 64-bit range */
		r %= span;
	return (long long)((uint64_t)lo + r);
}

void mb_fill(struct mb_gen *g, int *a, int n, int lo, int hi)
{
	for (int i = 0; i < n; i++)
		a[i] = (int)mb_range(g, lo, hi);
}

void mb_word(struct mb_gen *g, char *s, int len, const char *alphabet)
{
	long long n = (long long)strlen(alphabet);

	for (int i = 0; i < len; i++)
		s[i] = alphabet[mb_range(g, 0, n - 1)];
	s[len] = '\0';
}

void mb_shuffle(struct mb_gen *g, int *a, int n)
{
	for (int i = n - 1; i > 0; i--) {
		int j = (int)mb_range(g, 0, i);
		int t = a[i];

		a[i] = a[j];
		a[j] = t;
	}
}

int mb_case_begin(struct mb_gen *g)
{
	rv_buf_addf(g->src, "\t{\n\t\tmb_begin(%d);\n", g->ncases);
	return g->ncases++;
}

void mb_emitf(struct mb_gen *g, const char *fmt, ...)
{
	va_list ap;

	rv_buf_adds(g->src, "\t\t");
	va_start(ap, fmt);
	rv_buf_vaddf(g->src, fmt, ap);
	va_end(ap);
	rv_buf_addch(g->src, '\n');
}

void mb_case_end(struct mb_gen *g)
{
	rv_buf_adds(g->src, "\t}\n");
}

const char *mb_tmp(struct mb_gen *g, char *owned)
{
	int n = (int)(sizeof(g->tmp) / sizeof(g->tmp[0]));

	free(g->tmp[g->tmp_next]);
	g->tmp[g->tmp_next] = owned;
	g->tmp_next = (g->tmp_next + 1) % n;
	return owned;
}

static void mb_add_literal(struct rv_buf *b, const char *s)
{
	rv_buf_addch(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			rv_buf_addf(b, "\\%c", c);
		else if (c == '\n')
			rv_buf_adds(b, "\\n");
		else if (c == '\t')
			rv_buf_adds(b, "\\t");
		else if (c < 32 || c >= 127)
			/* octal: a following digit cannot extend it past 3 */
			rv_buf_addf(b, "\\%03o", c);
		else if (c == '?' && b->data[b->len - 1] == '?')
			rv_buf_adds(b, "\\?");	/* "?\?": no trigraph */
		else
			rv_buf_addch(b, (char)c);
	}
	rv_buf_addch(b, '"');
}

const char *mb_qs(struct mb_gen *g, const char *s)
{
	struct rv_buf b = RV_BUF_INIT;

	mb_add_literal(&b, s);
	return mb_tmp(g, rv_buf_detach(&b, NULL));
}

const char *mb_q(struct mb_gen *g, const char *fmt, ...)
{
	struct rv_buf text = RV_BUF_INIT;
	va_list ap;
	const char *q;

	va_start(ap, fmt);
	rv_buf_vaddf(&text, fmt, ap);
	va_end(ap);
	q = mb_qs(g, text.data);
	rv_buf_release(&text);
	return q;
}

const char *mb_ints(struct mb_gen *g, const int *a, int n, int abbrev)
{
	struct rv_buf b = RV_BUF_INIT;

	rv_buf_addch(&b, '{');
	for (int i = 0; i < n; i++) {
		if (abbrev && b.len > 60 && i < n - 1) {
			rv_buf_addf(&b, ", ... (%d more)", n - i);
			break;
		}
		rv_buf_addf(&b, i ? ", %d" : "%d", a[i]);
	}
	rv_buf_addch(&b, '}');
	return mb_tmp(g, rv_buf_detach(&b, NULL));
}

void mb_decl_ints(struct mb_gen *g, const char *name, const int *a, int n)
{
	mb_emitf(g, "int %s[%d + 8] = %s;", name, n,
		 n ? mb_ints(g, a, n, 0) : "{0}");
}

void mb_decl_str(struct mb_gen *g, const char *name, const char *s,
		 int margin)
{
	mb_emitf(g, "char %s[%zu] = %s;", name, strlen(s) + 1 + (size_t)margin,
		 mb_qs(g, s));
}

const char *mb_f(struct mb_gen *g, const char *fmt, ...)
{
	struct rv_buf text = RV_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	rv_buf_vaddf(&text, fmt, ap);
	va_end(ap);
	return mb_tmp(g, rv_buf_detach(&text, NULL));
}

int mb_ncases(struct mb_gen *g)
{
	return (int)mb_range(g, 6, 8);
}

void mb_decl_guarded(struct mb_gen *g, const char *name, const int *a, int n)
{
	mb_decl_ints(g, name, a, n);
	mb_emitf(g, "mb_fill_ints(%s + %d, 8, MB_GUARD);", name, n);
}

const char *mb_lit_ll(struct mb_gen *g, long long v)
{
	if (v == INT64_MIN)
		return "(-9223372036854775807LL - 1)";
	return mb_f(g, "%lld", v);
}

void mb_decl_str_guarded(struct mb_gen *g, const char *name, const char *s)
{
	size_t n = strlen(s);

	mb_emitf(g, "char %s[%zu + 16];", name, n + 1);
	mb_emitf(g, "memcpy(%s, %s, %zu);", name, mb_qs(g, s), n + 1);
	mb_emitf(g, "mb_fill_chars(%s + %zu, 16, '#');", name, n + 1);
}

void mb_phrase(struct mb_gen *g, char *s, int nwords)
{
	static const char *const words[] = {
		"apple", "river", "stone", "quiet", "orange", "bridge",
		"lemon", "tiger", "echo", "idea", "under", "open", "sky",
		"rhythm", "crypt", "glyph", "a", "I", "mountain", "uneven",
		"island", "ocean", "night", "zebra", "queue", "yield",
		"house", "eagle", "audio", "onion", "strength", "twelve",
	};
	int nw = (int)(sizeof(words) / sizeof(words[0]));

	s[0] = '\0';
	for (int i = 0; i < nwords; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, words[mb_range(g, 0, nw - 1)]);
	}
}
