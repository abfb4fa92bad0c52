/*
 * grade: score one candidate on one task instance.
 *
 * Writes the candidate and the seed's test harness into a sandbox,
 * compiles them together and runs the program.  The harness holds the
 * inputs only and prints what the candidate's function returned; this
 * process, outside the sandbox, compares that with the expected results
 * it kept (minibench_tests_judge()), so nothing the program does can
 * pass a wrong answer: a case passes only on its exact, well-formed,
 * unrepeated results, and a crash or a hang keeps the cases passed
 * before it.  The harness sends the candidate's own prints to stderr
 * (test_stderr), so honest debug output does not disturb the results.
 *
 * What the candidate does (not compiling, failing, crashing, looping,
 * flooding) is a result, not an error.  Errors are for the task app's
 * own trouble: no compiler (RV_ERR_NOTSUP), a sandbox that cannot be
 * made (RV_ERR_INTERNAL/RV_ERR_IO).  The grade owns its strings; release
 * it with taskapp_grade_release() in every case.
 */
#ifndef RUNEVAL_TASKAPP_GRADE_H
#define RUNEVAL_TASKAPP_GRADE_H

#include <stdbool.h>
#include <stdint.h>

#include "rv_err.h"
#include "sandbox.h"

struct minibench_task;
struct taskapp_compiler;

struct taskapp_grade_opts {
	const struct taskapp_compiler *cc;
	struct taskapp_sandbox_limits compile;
	struct taskapp_sandbox_limits run;
	unsigned slot;			/* sandbox slot (worker number) */
	uint64_t deadline_ns;		/* 0 = none */
	const volatile int *cancel;
};

struct taskapp_grade {
	bool compiled;
	int passed;
	int total;
	bool tests_ran;
	bool deadline_hit;	/* the rollout's own deadline cut it short */
	bool cancelled;
	char compile_status[96];	/* "exited 1", "timed out after ..." */
	char test_status[96];
	char *compile_output;	/* whole captured text (limited) */
	char *test_output;	/* the verdict: "PASS 0\nFAIL 1: why\n...RESULT" */
	char *test_hint;	/* the verdict without the values expected or
				   got: what the model is told */
	char *test_stderr;	/* its stderr: crashes, the candidate's prints */
	uint64_t compile_ns;
	uint64_t test_ns;
};

/* Default limits for the two steps. */
void taskapp_grade_default_opts(struct taskapp_grade_opts *o);

enum rv_code taskapp_grade_run(const struct taskapp_grade_opts *o,
			       const struct minibench_task *t, long long seed,
			       const char *candidate, struct taskapp_grade *g,
			       struct rv_err *err);

void taskapp_grade_release(struct taskapp_grade *g);

/* The last max bytes of s (starting at a UTF-8 boundary), malloc'ed. */
char *taskapp_tail(const char *s, size_t max);

#endif
