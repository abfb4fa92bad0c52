/*
 * minibench_int: how minibench tasks are defined (private to taskapp/).
 *
 * A task file defines each reference solution once, with MB_DEFINE:
 *
 *	MB_DEFINE(sum_array, long long sum_array(const int *a, int n), {
 *		...
 *	})
 *
 * which compiles the function (static, in the task file) and keeps its
 * text (sum_array_sig, sum_array_body) for the reference source, so the
 * code that computes expected outputs and the reference handed out
 * cannot drift.  Comments vanish from the text; the registry reflows
 * it.  Helpers go through MB_HELPER (written static) the same way.
 * Anything the text uses from libc must be in the task's includes.
 *
 * A generator (struct mb_def.gen) draws inputs from the seed's PRNG,
 * calls the compiled reference and emits one block of harness code per
 * case with mb_case_begin()/mb_emitf()/mb_case_end(), and one check per
 * value the candidate's function computes with mb_expect*().  A check
 * does two things: it emits harness code that prints what the candidate
 * computed, and it records, here in the task app, what the reference
 * computed.  The harness (compiled with the candidate, so as untrusted as
 * the candidate) never sees an expected value: the task app compares
 * each printed result with its record (minibench_judge.c).  So mb_emitf
 * is for inputs and calls only, never for an expected value.
 *
 * The harness preamble provides, for the emitted code:
 *	mb_fill_ints(a, n, v) / mb_fill_chars(s, n, c)
 * and, for the mb_expect*() emitters:
 *	mb_put_ll(v), mb_put_ull(v)	an integer result
 *	mb_put_str(buf, cap)		the bytes before a NUL within cap
 *	mb_put_ints(a, n)		an int array
 *	mb_put_bytes(s, n)		n bytes
 * A case fails with the first failed check's message.  Every case must
 * fail for the noop candidate (a body returning 0 / doing nothing).
 */
#ifndef RUNEVAL_TASKAPP_MINIBENCH_INT_H
#define RUNEVAL_TASKAPP_MINIBENCH_INT_H

#include <stddef.h>
#include <stdint.h>

#define MB_DEFINE(id, sig, ...) \
	static sig; \
	sig __VA_ARGS__ \
	static const char id##_sig[] = #sig; \
	static const char id##_body[] = #__VA_ARGS__;

#define MB_HELPER(id, ...) \
	__VA_ARGS__ \
	static const char id##_helper[] = #__VA_ARGS__;

/* Fill a struct mb_def's text fields for function fn. */
#define MB_TEXT(fn) .id = #fn, .sig = fn##_sig, .body = fn##_body

struct rv_buf;

/* What one check compares: how the harness prints it, what is expected. */
enum mb_kind {
	MB_LL,		/* an integer: ll */
	MB_ULL,		/* an unsigned integer: ull */
	MB_BOOL,	/* a truth value: ll (0 or 1) */
	MB_STR,		/* a NUL-terminated string within n bytes: str */
	MB_INTS,	/* n ints: ints */
	MB_KEPT_INTS,	/* n ints still MB_GUARD: nothing written past */
	MB_KEPT_CHARS,	/* n bytes still '#': nothing written past */
};

/* One expected result, kept in the task app (never in the harness). */
struct mb_check {
	enum mb_kind kind;
	int case_no;
	long long ll;
	unsigned long long ull;
	char *str;
	int *ints;
	size_t n;
	char *desc;	/* "gcd(12, 18)", "out after to_base(5, 2, out)" */
};

/* A seed's tests: the harness and the expected results, apart. */
struct minibench_tests {
	char *source;		/* the harness: inputs and calls only */
	int ncases;
	struct mb_check *checks;	/* in case order, then check order */
	size_t nchecks;
};

struct mb_gen {
	uint64_t rng;		/* splitmix64 state */
	struct rv_buf *src;	/* the cases, inside main() */
	int ncases;
	struct mb_check *checks;	/* recorded by mb_expect*() */
	size_t nchecks, checks_cap;
	char *tmp[16];		/* ring of scratch strings (mb_tmp) */
	int tmp_next;
};

struct mb_def {
	const char *id;		/* the function's name */
	const char *name;
	const char *difficulty;
	const char *statement;	/* the problem, without the signature */
	const char *includes;	/* "#include <...>\n" lines, or NULL */
	const char *helper;	/* MB_HELPER text, or NULL */
	const char *sig;
	const char *body;
	void (*gen)(struct mb_gen *g);
};

/* The task files' tables, in registry order. */
extern const struct mb_def mb_tasks_arith[];
extern const size_t mb_tasks_arith_n;
extern const struct mb_def mb_tasks_array[];
extern const size_t mb_tasks_array_n;
extern const struct mb_def mb_tasks_string[];
extern const size_t mb_tasks_string_n;
extern const struct mb_def mb_tasks_misc[];
extern const size_t mb_tasks_misc_n;

struct minibench_task;

/* The tests of t (defined by d) for seed (minibench_driver.c). */
struct minibench_tests *mb_tests_make(const struct minibench_task *t,
				      const struct mb_def *d, long long seed);

/* PRNG: the next 64 bits; a uniform value in [lo, hi]. */
uint64_t mb_u64(struct mb_gen *g);
long long mb_range(struct mb_gen *g, long long lo, long long hi);
/* a[0..n) uniform in [lo, hi]. */
void mb_fill(struct mb_gen *g, int *a, int n, int lo, int hi);
/* A string of len characters drawn from alphabet into s (len + 1 bytes). */
void mb_word(struct mb_gen *g, char *s, int len, const char *alphabet);
/* Shuffle a[0..n). */
void mb_shuffle(struct mb_gen *g, int *a, int n);

/* Start a case (returns its number), append harness code, end it. */
int mb_case_begin(struct mb_gen *g);
void mb_emitf(struct mb_gen *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void mb_case_end(struct mb_gen *g);

/*
 * Scratch strings owned by g, valid for the next 15 mb_tmp-based calls:
 * mb_q() a printf-formatted C string literal (quoted, escaped), mb_qs()
 * the literal of s, mb_ints() "{1, -2, 3}" (at most ~60 characters shown
 * when abbrev, else all), fit for an initializer or a message.
 */
const char *mb_tmp(struct mb_gen *g, char *owned);
const char *mb_q(struct mb_gen *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
const char *mb_qs(struct mb_gen *g, const char *s);
const char *mb_ints(struct mb_gen *g, const int *a, int n, int abbrev);

/*
 * Checks (minibench_expect.c): each emits the harness code that prints
 * the candidate's result and records the expected one; desc names the
 * value in failure messages (NULL: the call's text).  Inside a case.
 *	mb_expect: the integer call returns expected
 *	mb_expect_bool: the call's truth (0 or not) is expected's
 *	mb_expect_ull: the unsigned call returns expected
 *	mb_expect_str: buf (cap bytes) holds the string expected
 *	mb_expect_ints: the int array arr holds expected[0..n)
 *	mb_expect_kept_ints: arr[0..n) still holds MB_GUARD
 *	mb_expect_kept_chars: buf[0..n) still holds '#'
 */
void mb_expect(struct mb_gen *g, const char *call, long long expected,
	       const char *desc);
void mb_expect_bool(struct mb_gen *g, const char *call, int expected,
		    const char *desc);
void mb_expect_ull(struct mb_gen *g, const char *call,
		   unsigned long long expected, const char *desc);
void mb_expect_str(struct mb_gen *g, const char *buf, size_t cap,
		   const char *expected, const char *desc);
void mb_expect_ints(struct mb_gen *g, const char *arr, const int *expected,
		    int n, const char *desc);
void mb_expect_kept_ints(struct mb_gen *g, const char *arr, int n,
			 const char *desc);
void mb_expect_kept_chars(struct mb_gen *g, const char *buf, int n,
			  const char *desc);
/* A case of one mb_expect(g, call, expected, desc). */
void mb_case_ll(struct mb_gen *g, const char *call, long long expected,
		const char *desc);
/* Free n checks and the array. */
void mb_checks_free(struct mb_check *checks, size_t n);
/* A printf-formatted scratch string (as mb_q, unquoted). */
const char *mb_f(struct mb_gen *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The number of cases of an instance: 6 to 8. */
int mb_ncases(struct mb_gen *g);

/* Emit "int name[n + 8] = {...};" (margin zeroed). */
void mb_decl_ints(struct mb_gen *g, const char *name, const int *a, int n);
/*
 * Emit "int name[n + 8] = {...};" with the 8 spare ints set to MB_GUARD
 * (a harness constant no task value equals), for
 * mb_expect_kept_ints(g, "name + n", 8, desc) after the call.
 */
void mb_decl_guarded(struct mb_gen *g, const char *name, const int *a, int n);
/*
 * A call that writes n ints into "out": "int out[n + 8]" full of
 * MB_GUARD, the call, then out checked against want and its 8 spare ints
 * against MB_GUARD.  Inside a case.
 */
void mb_expect_out_ints(struct mb_gen *g, const char *call, const int *want,
			int n, const char *desc);
/* A long long as a C expression (LLONG_MIN has no literal). */
const char *mb_lit_ll(struct mb_gen *g, long long v);
#define MB_GUARD (-2147483641)

/*
 * Emit a char array name holding s, then 16 spare bytes of '#' (from
 * name + strlen(s) + 1), for mb_expect_kept_chars(g, "name + strlen(s) +
 * 1", 16, desc) after the call.
 */
void mb_decl_str_guarded(struct mb_gen *g, const char *name, const char *s);
/*
 * A case: s as guarded char array "s", call (which edits it in place),
 * then s checked against want and its guard.
 */
void mb_case_in_place(struct mb_gen *g, const char *call, const char *s,
		      const char *want, const char *desc);
/* nwords words (from a fixed list) joined by single spaces, into s. */
void mb_phrase(struct mb_gen *g, char *s, int nwords);
#define MB_PHRASE_MAX 12	/* bytes per word, at most */

/* Emit "char name[strlen(s) + 1 + margin] = "s";" (margin zeroed). */
void mb_decl_str(struct mb_gen *g, const char *name, const char *s,
		 int margin);

#endif
