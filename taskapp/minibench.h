/*
 * minibench: the task set of the reference task app.
 *
 * Small, deterministic C programming tasks.  Each task asks for one C
 * function (its id is the function's name) and carries a statement, the
 * exact signature and a reference solution.  A seed selects a task
 * (seed mod count, never negative) and, through a per-seed PRNG, the test
 * inputs: different seeds of one task are different instances.
 *
 * Expected outputs are computed inside the task app by the compiled
 * reference solution and stay there: the test harness compiled with a
 * candidate holds the inputs only (neither the reference nor an expected
 * value), prints what the candidate computed, and the task app compares.
 *
 * Everything returned as const is static (or built once, thread-safely,
 * on first use) and lives as long as the process; all functions are
 * thread-safe.
 */
#ifndef RUNEVAL_TASKAPP_MINIBENCH_H
#define RUNEVAL_TASKAPP_MINIBENCH_H

#include <stddef.h>

struct rv_buf;

struct minibench_task {
	const char *id;		/* "sum_array", the function's name */
	const char *name;	/* "Sum of an array" */
	const char *prompt;	/* statement incl. the exact signature */
	const char *signature;	/* "int max_array(const int *a, int n)" */
	const char *reference;	/* a C11 TU defining the function */
	const char *difficulty;	/* "easy" | "medium" | "hard" */
};

/* Number of tasks (at least 24). */
size_t minibench_count(void);

/* Task number index, or NULL when index >= minibench_count(). */
const struct minibench_task *minibench_task(size_t index);

/* The task of a seed: index seed mod count (any seed, negative too). */
const struct minibench_task *minibench_for_seed(long long seed);

/* The task whose id is id, or NULL. */
const struct minibench_task *minibench_find(const char *id);

struct minibench_tests;

/*
 * The tests of task t for seed: a harness, and (kept apart, in this
 * process only) the expected results.  The harness is a complete C11 TU
 * (libc, plus POSIX dup/dup2/write) with main() that calls the
 * candidate's function (declared by its signature, defined in the
 * candidate TU compiled alongside) on the seed's 5 to 10 cases and
 * prints what it returned, one line per check.  It holds the inputs
 * only, never an expected value: whatever the compiled program does
 * (the candidate's constructors, writes to any descriptor, _exit,
 * floods) cannot make a wrong answer pass, since minibench_tests_judge()
 * compares here.  What the candidate prints to stdout goes to stderr.
 * Same (t, seed), same tests.  NULL when t is not a minibench task;
 * free with minibench_tests_free() (NULL is fine).
 */
struct minibench_tests *minibench_tests_new(const struct minibench_task *t,
					    long long seed);
void minibench_tests_free(struct minibench_tests *tests);

/* The harness source; borrowed, valid until minibench_tests_free(). */
const char *minibench_tests_source(const struct minibench_tests *tests);

/* The number of cases (5 to 10). */
int minibench_tests_count(const struct minibench_tests *tests);

/*
 * Judge what the harness printed: out (len bytes, untrusted, any bytes).
 * A case passes when each of its checks has exactly one well-formed
 * result line, equal to the expected value; a repeated, malformed or
 * missing result fails the case, and lines that belong to no check are
 * ignored (so is an unterminated last line).  Appends one line per case
 * to report, "PASS <i>" or "FAIL <i>: <why>", then "RESULT <passed>
 * <total>"; missing (may be NULL) says why results are missing, e.g.
 * "test program killed by signal 11 (Segmentation fault)".  hint (may be
 * NULL) gets the same lines without the values expected or got, "FAIL
 * <i>: <call>: not the expected result": what a model repairing its
 * candidate may be told without being handed the answers.  Returns the
 * number of cases passed.
 */
int minibench_tests_judge(const struct minibench_tests *tests, const char *out,
			  size_t len, const char *missing,
			  struct rv_buf *report, struct rv_buf *hint);

/*
 * A candidate that compiles but is wrong: the signature with a body that
 * does nothing ("return 0;" or empty).  It fails every case of every
 * seed.  Static string, built once; NULL when t is not a minibench task.
 */
const char *minibench_noop_source(const struct minibench_task *t);

#endif
