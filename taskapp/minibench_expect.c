/*
 * minibench_expect: the checks of a case.  Each emits the harness code
 * that prints what the candidate's function computed and records, in
 * the task app only, what the reference computed (see minibench_int.h).
 */
#include "minibench_int.h"

#include "rv_alloc.h"

#include <stdlib.h>
#include <string.h>

/* A new check of kind k in the current case (ncases - 1), described. */
static struct mb_check *mb_check_add(struct mb_gen *g, enum mb_kind k,
				     const char *desc)
{
	struct mb_check *c;

	if (g->nchecks == g->checks_cap) {
		g->checks_cap = g->checks_cap ? 2 * g->checks_cap : 16;
		g->checks = rv_xreallocarray(g->checks, g->checks_cap,
					     sizeof(*g->checks));
	}
	c = &g->checks[g->nchecks++];
	memset(c, 0, sizeof(*c));
	c->kind = k;
	c->case_no = g->ncases - 1;
	c->desc = rv_xstrdup(desc);
	return c;
}

void mb_expect(struct mb_gen *g, const char *call, long long expected,
	       const char *desc)
{
	mb_emitf(g, "mb_put_ll(%s);", call);
	mb_check_add(g, MB_LL, desc ? desc : call)->ll = expected;
}

void mb_expect_bool(struct mb_gen *g, const char *call, int expected,
		    const char *desc)
{
	mb_emitf(g, "mb_put_ll(%s);", call);
	mb_check_add(g, MB_BOOL, desc ? desc : call)->ll = expected != 0;
}

void mb_expect_ull(struct mb_gen *g, const char *call,
		   unsigned long long expected, const char *desc)
{
	mb_emitf(g, "mb_put_ull(%s);", call);
	mb_check_add(g, MB_ULL, desc ? desc : call)->ull = expected;
}

void mb_expect_str(struct mb_gen *g, const char *buf, size_t cap,
		   const char *expected, const char *desc)
{
	struct mb_check *c;

	mb_emitf(g, "mb_put_str(%s, %zu);", buf, cap);
	c = mb_check_add(g, MB_STR, desc ? desc : buf);
	c->str = rv_xstrdup(expected);
	c->n = cap;
}

void mb_expect_ints(struct mb_gen *g, const char *arr, const int *expected,
		    int n, const char *desc)
{
	struct mb_check *c;

	mb_emitf(g, "mb_put_ints(%s, %d);", arr, n);
	c = mb_check_add(g, MB_INTS, desc ? desc : arr);
	c->n = (size_t)n;
	c->ints = rv_xmemdup(expected, c->n * sizeof(int));
}

void mb_expect_kept_ints(struct mb_gen *g, const char *arr, int n,
			 const char *desc)
{
	mb_emitf(g, "mb_put_ints(%s, %d);", arr, n);
	mb_check_add(g, MB_KEPT_INTS, desc ? desc : arr)->n = (size_t)n;
}

void mb_expect_kept_chars(struct mb_gen *g, const char *buf, int n,
			  const char *desc)
{
	mb_emitf(g, "mb_put_bytes(%s, %d);", buf, n);
	mb_check_add(g, MB_KEPT_CHARS, desc ? desc : buf)->n = (size_t)n;
}

void mb_case_ll(struct mb_gen *g, const char *call, long long expected,
		const char *desc)
{
	mb_case_begin(g);
	mb_expect(g, call, expected, desc);
	mb_case_end(g);
}

void mb_expect_out_ints(struct mb_gen *g, const char *call, const int *want,
			int n, const char *desc)
{
	mb_emitf(g, "int out[%d + 8];", n);
	mb_emitf(g, "mb_fill_ints(out, %d + 8, MB_GUARD);", n);
	mb_emitf(g, "%s;", call);
	mb_expect_ints(g, "out", want, n, desc);
	mb_expect_kept_ints(g, mb_f(g, "out + %d", n), 8, desc);
}

void mb_case_in_place(struct mb_gen *g, const char *call, const char *s,
		      const char *want, const char *desc)
{
	size_t n = strlen(s);

	mb_case_begin(g);
	mb_decl_str_guarded(g, "s", s);
	mb_emitf(g, "%s;", call);
	mb_expect_str(g, "s", n + 1 + 16, want, desc);
	mb_expect_kept_chars(g, mb_f(g, "s + %zu", n + 1), 16, desc);
	mb_case_end(g);
}

void mb_checks_free(struct mb_check *checks, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(checks[i].str);
		free(checks[i].ints);
		free(checks[i].desc);
	}
	free(checks);
}
