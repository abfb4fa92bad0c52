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
 * calls the compiled reference and emits one block of driver code per
 * case with mb_case_begin()/mb_emitf()/mb_case_end().  The driver
 * preamble provides, for the emitted code:
 *	mb_eq_ll(got, expected, what)		integers
 *	mb_eq_ull(got, expected, what)		unsigned integers
 *	mb_eq_bool(got, expected, what)		truth values (0, non-0)
 *	mb_eq_str(buf, cap, expected, what)	NUL-terminated within cap
 *	mb_eq_ints(got, expected, n, what)	int arrays
 *	mb_fill_ints(a, n, v) / mb_fill_chars(s, n, c)
 *	mb_kept_ints(a, n, v, what) / mb_kept_chars(s, n, c, what)
 *						nothing written past the end
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

struct mb_gen {
	uint64_t rng;		/* splitmix64 state */
	struct rv_buf *src;	/* the cases, inside main() */
	int ncases;
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

/* The driver of t (defined by d) for seed (minibench_driver.c). */
char *mb_driver_source(const struct minibench_task *t, const struct mb_def *d,
		       long long seed, int *ntests);

/* PRNG: the next 64 bits; a uniform value in [lo, hi]. */
uint64_t mb_u64(struct mb_gen *g);
long long mb_range(struct mb_gen *g, long long lo, long long hi);
/* a[0..n) uniform in [lo, hi]. */
void mb_fill(struct mb_gen *g, int *a, int n, int lo, int hi);
/* A string of len characters drawn from alphabet into s (len + 1 bytes). */
void mb_word(struct mb_gen *g, char *s, int len, const char *alphabet);
/* Shuffle a[0..n). */
void mb_shuffle(struct mb_gen *g, int *a, int n);

/* Start a case (returns its number), append driver code, end it. */
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
const char *mb_lls(struct mb_gen *g, const long long *a, int n);

/*
 * Emit "check(call, expected, "desc");", e.g. mb_eq_ll or mb_eq_bool;
 * desc NULL: the call's text.  mb_f() is a printf-formatted scratch
 * string (as mb_q, unquoted).
 */
void mb_expect(struct mb_gen *g, const char *check, const char *call,
	       long long expected, const char *desc);
/* A case of one mb_expect(g, "mb_eq_ll", call, expected, desc). */
void mb_case_ll(struct mb_gen *g, const char *call, long long expected,
		const char *desc);
const char *mb_f(struct mb_gen *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The number of cases of an instance: 6 to 8. */
int mb_ncases(struct mb_gen *g);

/* Emit "int name[n + 8] = {...};" (margin zeroed). */
void mb_decl_ints(struct mb_gen *g, const char *name, const int *a, int n);
/*
 * Emit "int name[n + 8] = {...};" with the 8 spare ints set to MB_GUARD
 * (a driver constant no task value equals), for mb_kept_ints(name + n,
 * 8, MB_GUARD, what) after the call.
 */
void mb_decl_guarded(struct mb_gen *g, const char *name, const int *a, int n);
/* Emit "static const int name[] = {...};" (n >= 1). */
void mb_decl_want(struct mb_gen *g, const char *name, const int *a, int n);
/*
 * Emit the checks of a call that writes n ints into "out": want as
 * "want", "int out[n + 8]" full of MB_GUARD, the call, then out checked
 * against want and its 8 spare ints against MB_GUARD.  Inside a case.
 */
void mb_expect_out_ints(struct mb_gen *g, const char *call, const int *want,
			int n, const char *desc);
/* A long long as a C expression (LLONG_MIN has no literal). */
const char *mb_lit_ll(struct mb_gen *g, long long v);
#define MB_GUARD (-2147483641)

/*
 * Emit a char array name holding s, then 16 spare bytes of '#' (from
 * name + strlen(s) + 1), for mb_kept_chars(name + strlen(s) + 1, 16,
 * '#', what) after the call.
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
