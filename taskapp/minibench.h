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
 * reference solution and embedded in the test driver as literals: the
 * driver never contains the reference, so a candidate cannot call it.
 *
 * Everything returned as const is static (or built once, thread-safely,
 * on first use) and lives as long as the process; all functions are
 * thread-safe.
 */
#ifndef RUNEVAL_TASKAPP_MINIBENCH_H
#define RUNEVAL_TASKAPP_MINIBENCH_H

#include <stddef.h>

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

/*
 * Test driver for task t and seed: a complete C11 TU (libc, plus POSIX
 * dup/dup2/fdopen) with main() that calls the candidate's function
 * (declared by its signature, defined in the candidate TU compiled
 * alongside), runs the seed's cases and prints one line per case,
 * "PASS <i>" or "FAIL <i>: <why>" (i from 0), then "RESULT <passed>
 * <total>", flushing after every line.  What the candidate itself
 * prints to stdout goes to stderr, so that it cannot mingle with (or
 * forge) these lines by accident.  A candidate that crashes, hangs or
 * exits leaves the remaining lines missing.  Same (t, seed), same
 * text.  Returns malloc'ed source (the caller frees it); *ntests (if
 * not NULL) is the number of cases, 5 to 10.  NULL (and *ntests 0) when
 * t is not a minibench task.
 */
char *minibench_test_source(const struct minibench_task *t, long long seed,
			    int *ntests);

/*
 * A candidate that compiles but is wrong: the signature with a body that
 * does nothing ("return 0;" or empty).  It fails every case of every
 * seed.  Static string, built once; NULL when t is not a minibench task.
 */
const char *minibench_noop_source(const struct minibench_task *t);

#endif
