#include "grade.h"

#include "minibench.h"
#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_clock.h"
#include "toolchain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GRADE_MAX_CC_ARGV (TASKAPP_CC_MAX_ARGS + 16)

void taskapp_grade_default_opts(struct taskapp_grade_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->compile = (struct taskapp_sandbox_limits){
		.wall_ns = 30 * RV_NS_PER_SEC, .cpu_s = 20,
		.mem_bytes = (size_t)2 << 30, .nproc = 64,
		.fsize_bytes = (size_t)64 << 20, .output_bytes = 64 << 10,
	};
	o->run = (struct taskapp_sandbox_limits){
		.wall_ns = 10 * RV_NS_PER_SEC, .cpu_s = 10,
		.mem_bytes = (size_t)256 << 20, .nproc = 16,
		.fsize_bytes = (size_t)16 << 20, .output_bytes = 256 << 10,
	};
}

char *taskapp_tail(const char *s, size_t max)
{
	size_t len = s ? strlen(s) : 0;
	const char *p;

	if (len <= max)
		return rv_xstrdup(s ? s : "");
	p = s + len - max;
	while (*p && ((unsigned char)*p & 0xC0) == 0x80)
		p++;	/* not in the middle of a UTF-8 sequence */
	return rv_xstrdup(p);
}

static void grade_cc_argv(const struct taskapp_compiler *cc,
			  const char **argv)
{
	int n = 0;

	argv[n++] = cc->path;
	for (int i = 0; i < cc->nargs; i++)
		argv[n++] = cc->args[i];
	argv[n++] = "-std=gnu11";
	argv[n++] = "-O0";	/* compiles fastest; the tests are small */
	argv[n++] = "-pipe";
	argv[n++] = cc->clang ? "-ferror-limit=20" : "-fmax-errors=20";
	argv[n++] = "-o";
	argv[n++] = "tests";
	argv[n++] = "candidate.c";
	argv[n++] = "driver.c";
	argv[n++] = "-lm";
	argv[n] = NULL;
}

/* Step deadlines: never past the rollout's own. */
static void grade_clip(struct taskapp_sandbox_limits *l, uint64_t deadline)
{
	uint64_t now = rv_now_ns();

	if (!deadline)
		return;
	if (deadline <= now)
		l->wall_ns = 1;
	else if (deadline - now < l->wall_ns)
		l->wall_ns = deadline - now;
}

/* Did a step's own wall clock (clipped to the deadline) end it there? */
static bool grade_at_deadline(const struct taskapp_sandbox_result *r,
			      uint64_t deadline)
{
	return r->deadline_hit || (r->end == TASKAPP_SANDBOX_TIMEOUT &&
				   deadline && rv_now_ns() >= deadline);
}

/* Judge the test run's stdout (untrusted) against tests, here. */
static void grade_judge(struct taskapp_grade *g,
			const struct minibench_tests *tests,
			const struct taskapp_sandbox_result *t)
{
	struct rv_buf report = RV_BUF_INIT, hint = RV_BUF_INIT;
	char missing[128];

	snprintf(missing, sizeof(missing), "test program %s", g->test_status);
	g->passed = minibench_tests_judge(tests, t->output.data, t->output.len,
					  missing, &report, &hint);
	g->test_output = rv_buf_detach(&report, NULL);
	g->test_hint = rv_buf_detach(&hint, NULL);
}

static void grade_fill(struct taskapp_grade *g,
		       const struct taskapp_sandbox_result *res,
		       const struct minibench_tests *tests, uint64_t deadline)
{
	const struct taskapp_sandbox_result *c = &res[0], *t = &res[1];

	g->total = minibench_tests_count(tests);
	g->compiled = c->end == TASKAPP_SANDBOX_EXITED && c->exit_code == 0;
	g->tests_ran = t->end != TASKAPP_SANDBOX_NOT_RUN;
	g->compile_output = rv_xstrdup(c->output.data);
	g->test_stderr = rv_xstrdup(t->err_output.data);
	g->compile_ns = c->elapsed_ns;
	g->test_ns = t->elapsed_ns;
	g->deadline_hit = grade_at_deadline(c, deadline) ||
		grade_at_deadline(t, deadline);
	g->cancelled = c->end == TASKAPP_SANDBOX_CANCELLED ||
		t->end == TASKAPP_SANDBOX_CANCELLED;
	taskapp_sandbox_describe(c, g->compile_status, sizeof(g->compile_status));
	taskapp_sandbox_describe(t, g->test_status, sizeof(g->test_status));
	if (g->tests_ran) {
		grade_judge(g, tests, t);
	} else {
		g->test_output = rv_xstrdup("");
		g->test_hint = rv_xstrdup("");
	}
}

enum rv_code taskapp_grade_run(const struct taskapp_grade_opts *o,
			       const struct minibench_task *t, long long seed,
			       const char *candidate, struct taskapp_grade *g,
			       struct rv_err *err)
{
	const char *cc_argv[GRADE_MAX_CC_ARGV];
	const char *run_argv[] = { "./tests", NULL };
	struct taskapp_sandbox_step steps[2] = {
		{ cc_argv, o->compile, false },
		/* results come on stdout, the candidate's own prints on stderr */
		{ run_argv, o->run, true },
	};
	struct minibench_tests *tests;
	struct taskapp_sandbox_result res[2];
	struct taskapp_sandbox_file files[2];
	struct taskapp_sandbox_job job = {
		.files = files, .nfiles = 2, .steps = steps, .nsteps = 2,
		.slot = o->slot, .deadline_ns = o->deadline_ns,
		.cancel = o->cancel,
	};
	const char *driver;
	enum rv_code rc;

	memset(g, 0, sizeof(*g));
	if (!o->cc || !o->cc->found)
		return rv_errf(err, RV_ERR_NOTSUP, "%s", o->cc && o->cc->problem ?
			       o->cc->problem : "no C compiler found");
	tests = minibench_tests_new(t, seed);
	if (!tests)
		return rv_errf(err, RV_ERR_INTERNAL, "no tests for task '%s'",
			       t->id);
	driver = minibench_tests_source(tests);
	files[0] = (struct taskapp_sandbox_file){ "candidate.c", candidate,
						  strlen(candidate) };
	files[1] = (struct taskapp_sandbox_file){ "driver.c", driver,
						  strlen(driver) };
	grade_cc_argv(o->cc, cc_argv);
	/* the step limits start when the step does; clip to the deadline */
	grade_clip(&steps[0].lim, o->deadline_ns);
	grade_clip(&steps[1].lim, o->deadline_ns);
	rc = taskapp_sandbox_run(&job, res, err);
	if (rc == RV_OK)
		grade_fill(g, res, tests, o->deadline_ns);
	taskapp_sandbox_result_release(&res[0]);
	taskapp_sandbox_result_release(&res[1]);
	minibench_tests_free(tests);
	return rc;
}

void taskapp_grade_release(struct taskapp_grade *g)
{
	free(g->compile_output);
	free(g->test_output);
	free(g->test_hint);
	free(g->test_stderr);
	memset(g, 0, sizeof(*g));
}
