/*
 * Tests of the minibench task set: the registry, seeds, and every task's
 * reference and noop candidates compiled with cc against real drivers.
 */
#include "testutil.h"

#include "minibench.h"
#include "rv_alloc.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Compile-and-run jobs, run a few at a time. */
struct job {
	char *dir;
	char *cmd;	/* run by sh -c in dir */
	int status;
	int ntests;
	long long seed;
	const struct minibench_task *task;
};

#define JOBS_PARALLEL 3

static void write_file(const char *dir, const char *name, const char *text)
{
	char *path = rv_xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	ck_assert_msg(f != NULL, "cannot write '%s'", path);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
	free(path);
}

static pid_t job_start(struct job *j)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (chdir(j->dir) != 0)
			_exit(126);
		execl("/bin/sh", "sh", "-c", j->cmd, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static void jobs_run(struct job *jobs, int n)
{
	pid_t pids[JOBS_PARALLEL];
	int slot_job[JOBS_PARALLEL], next = 0, running = 0;

	for (int s = 0; s < JOBS_PARALLEL; s++)
		pids[s] = 0;
	while (next < n || running) {
		for (int s = 0; s < JOBS_PARALLEL && next < n; s++) {
			if (pids[s])
				continue;
			slot_job[s] = next;
			pids[s] = job_start(&jobs[next++]);
			running++;
		}
		int status;
		pid_t done = wait(&status);

		ck_assert_int_gt(done, 0);
		for (int s = 0; s < JOBS_PARALLEL; s++) {
			if (pids[s] == done) {
				jobs[slot_job[s]].status = status;
				pids[s] = 0;
				running--;
			}
		}
	}
}

/* A job compiling candidate source cand against t's driver for seed. */
static void job_prepare(struct job *j, const struct minibench_task *t,
			long long seed, const char *cand, const char *cflags)
{
	char *drv = minibench_test_source(t, seed, &j->ntests);

	ck_assert_ptr_nonnull(drv);
	j->task = t;
	j->seed = seed;
	j->dir = tu_tmpdir();
	write_file(j->dir, "cand.c", cand);
	write_file(j->dir, "driver.c", drv);
	/* the driver alone, strictly; then the program */
	j->cmd = rv_xasprintf(
		"cc -std=c11 -pedantic -Wall -Wextra -Werror -c driver.c "
		"2>cc.log && cc -std=c11 -O0 %s -o prog cand.c driver.o "
		">>cc.log 2>&1 && timeout 20 ./prog >out.txt 2>&1", cflags);
	free(drv);
}

static char *job_file(const struct job *j, const char *name)
{
	char *path = rv_xasprintf("%s/%s", j->dir, name);
	char *text = tu_read_file(path, NULL);

	free(path);
	return text ? text : rv_xstrdup("");
}

/* Parse out.txt: count PASS lines (in order) and the RESULT line. */
static void job_result(const struct job *j, int *passed, int *lines,
		       int *r_passed, int *r_total)
{
	char *out = job_file(j, "out.txt");
	char *save = NULL;
	int i = 0;

	*passed = 0;
	*r_passed = *r_total = -1;
	for (char *l = strtok_r(out, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		int k;

		if (sscanf(l, "PASS %d", &k) == 1) {
			ck_assert_int_eq(k, i);
			(*passed)++;
			i++;
		} else if (sscanf(l, "FAIL %d:", &k) == 1) {
			ck_assert_int_eq(k, i);
			i++;
		} else if (sscanf(l, "RESULT %d %d", r_passed, r_total) != 2) {
			ck_abort_msg("'%s' seed %lld: stray line '%s'",
				     j->task->id, j->seed, l);
		}
	}
	*lines = i;
	free(out);
}

static void job_release(struct job *j)
{
	tu_rmrf(j->dir);
	free(j->dir);
	free(j->cmd);
}

START_TEST(test_minibench_registry)
{
	size_t n = minibench_count();

	ck_assert_uint_ge(n, 24);
	ck_assert_ptr_null(minibench_task(n));
	for (size_t i = 0; i < n; i++) {
		const struct minibench_task *t = minibench_task(i);
		char *call = rv_xasprintf(" %s(", t->id);

		ck_assert_ptr_nonnull(t->name);
		ck_assert_msg(!strcmp(t->difficulty, "easy") ||
			      !strcmp(t->difficulty, "medium") ||
			      !strcmp(t->difficulty, "hard"),
			      "'%s': difficulty '%s'", t->id, t->difficulty);
		ck_assert_msg(strstr(t->signature, call) != NULL,
			      "'%s' is not the function of '%s'", t->id,
			      t->signature);
		ck_assert_ptr_nonnull(strstr(t->prompt, t->signature));
		ck_assert_ptr_nonnull(strstr(t->reference, t->signature));
		ck_assert_ptr_nonnull(strstr(minibench_noop_source(t),
					     t->signature));
		ck_assert_ptr_eq(minibench_find(t->id), t);
		for (size_t k = 0; k < i; k++)
			ck_assert_str_ne(minibench_task(k)->id, t->id);
		free(call);
	}
	ck_assert_ptr_null(minibench_find("no_such_task"));
	ck_assert_ptr_null(minibench_find(NULL));
}
END_TEST

START_TEST(test_minibench_seed_mapping)
{
	long long n = (long long)minibench_count();
	long long seeds[] = {
		0, 1, n - 1, n, 12345, -1, -n, -n - 1, LLONG_MAX, LLONG_MIN,
		LLONG_MIN + 1, 4000000000LL, -4000000000LL,
	};

	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		long long s = seeds[i], want = ((s % n) + n) % n;

		ck_assert_ptr_eq(minibench_for_seed(s),
				 minibench_task((size_t)want));
	}
	ck_assert_ptr_eq(minibench_for_seed(-1), minibench_task((size_t)n - 1));
	ck_assert_ptr_eq(minibench_for_seed(n + 3), minibench_for_seed(3));
}
END_TEST

START_TEST(test_minibench_drivers_vary_with_seed)
{
	size_t n = minibench_count();

	for (size_t i = 0; i < n; i++) {
		const struct minibench_task *t = minibench_task(i);
		long long seeds[] = { (long long)i, (long long)(i + n),
				      -(long long)(i + 7 * n), LLONG_MAX };
		char *src[4];
		const char *body = strstr(t->reference, t->signature);

		for (int k = 0; k < 4; k++) {
			int cases = -1;

			src[k] = minibench_test_source(t, seeds[k], &cases);
			ck_assert_ptr_nonnull(src[k]);
			ck_assert_msg(cases >= 5 && cases <= 10,
				      "'%s': %d cases", t->id, cases);
			/* the reference never ships in a driver */
			ck_assert_ptr_null(strstr(src[k],
						  body + strlen(t->signature)));
			for (int m = 0; m < k; m++)
				ck_assert_msg(strcmp(src[m], src[k]) != 0,
					      "'%s': seeds %lld and %lld give "
					      "the same driver", t->id,
					      seeds[m], seeds[k]);
		}
		char *again = minibench_test_source(t, seeds[1], NULL);

		ck_assert_str_eq(again, src[1]);
		free(again);
		for (int k = 0; k < 4; k++)
			free(src[k]);
	}
}
END_TEST

START_TEST(test_minibench_foreign_task)
{
	const struct minibench_task *t = minibench_task(3);
	struct minibench_task copy = *t, fake = *t;
	char *a, *b;
	int cases = -1;

	/* a copy of a record still finds its task */
	a = minibench_test_source(&copy, 99, NULL);
	b = minibench_test_source(t, 99, NULL);
	ck_assert_str_eq(a, b);
	ck_assert_ptr_eq(minibench_noop_source(&copy),
			 minibench_noop_source(t));
	free(a);
	free(b);
	fake.id = "no_such_task";
	ck_assert_ptr_null(minibench_test_source(&fake, 1, &cases));
	ck_assert_int_eq(cases, 0);
	ck_assert_ptr_null(minibench_noop_source(&fake));
	ck_assert_ptr_null(minibench_test_source(NULL, 1, NULL));
}
END_TEST

/* Under valgrind one instance per task; else every task several times. */
static int rounds(void)
{
	return getenv("RUNEVAL_VALGRIND") ? 1 : 6;
}

START_TEST(test_minibench_reference_passes)
{
	int n = (int)minibench_count(), total = n * rounds();
	struct job *jobs = rv_xcalloc((size_t)total, sizeof(*jobs));

	for (int s = 0; s < total; s++) {
		const struct minibench_task *t = minibench_for_seed(s);

		job_prepare(&jobs[s], t, s, t->reference,
			    "-pedantic -Wall -Wextra -Werror");
	}
	jobs_run(jobs, total);
	for (int s = 0; s < total; s++) {
		struct job *j = &jobs[s];
		int passed, lines, rp, rt;

		if (!WIFEXITED(j->status) || WEXITSTATUS(j->status)) {
			char *log = job_file(j, "cc.log");

			ck_abort_msg("'%s' seed %d: status %d: %s", j->task->id,
				     s, j->status, log);
		}
		job_result(j, &passed, &lines, &rp, &rt);
		ck_assert_msg(passed == j->ntests && lines == j->ntests &&
			      rp == j->ntests && rt == j->ntests,
			      "'%s' seed %d: %d/%d passed, RESULT %d %d",
			      j->task->id, s, passed, j->ntests, rp, rt);
		job_release(j);
	}
	free(jobs);
}
END_TEST

START_TEST(test_minibench_noop_fails_every_case)
{
	int n = (int)minibench_count(), total = 2 * n;
	struct job *jobs = rv_xcalloc((size_t)total, sizeof(*jobs));

	for (int s = 0; s < total; s++) {
		const struct minibench_task *t = minibench_for_seed(1000 + s);

		job_prepare(&jobs[s], t, 1000 + s, minibench_noop_source(t),
			    "-w");
	}
	jobs_run(jobs, total);
	for (int s = 0; s < total; s++) {
		struct job *j = &jobs[s];
		int passed, lines, rp, rt;

		ck_assert_msg(WIFEXITED(j->status) && !WEXITSTATUS(j->status),
			      "'%s': noop did not build or run",
			      j->task->id);
		job_result(j, &passed, &lines, &rp, &rt);
		ck_assert_msg(passed == 0 && lines == j->ntests && rp == 0 &&
			      rt == j->ntests,
			      "'%s' seed %d: noop passed %d/%d",
			      j->task->id, 1000 + s, passed, j->ntests);
		job_release(j);
	}
	free(jobs);
}
END_TEST

/* Wrong candidates: the driver reports each failure and survives. */
static const struct {
	const char *id;
	const char *source;
	const char *why;	/* in every FAIL line; NULL: some pass */
} wrong[] = {
	{ "sort_ints",
	  "void sort_ints(int *a, int n)\n{\n"
	  "\tfor (int i = 0; i < n; i++)\n"
	  "\t\tfor (int j = i + 1; j < n; j++)\n"
	  "\t\t\tif (a[j] < a[i]) { int t = a[i]; a[i] = a[j]; a[j] = t; }\n"
	  "\ta[n] = 0;\n}\n",
	  "wrote past the end" },
	{ "to_base",
	  "void to_base(long long v, int base, char *out)\n{\n"
	  "\t(void)v; (void)base; out[0] = '0';\n}\n",
	  "no terminating NUL" },
	{ "sum_array",	/* overflows on the large cases only */
	  "long long sum_array(const int *a, int n)\n{\n"
	  "\tint s = 0;\n\tfor (int i = 0; i < n; i++)\n"
	  "\t\ts = (int)((unsigned)s + (unsigned)a[i]);\n\treturn s;\n}\n",
	  NULL },
};

START_TEST(test_minibench_wrong_candidates)
{
	int nw = (int)(sizeof(wrong) / sizeof(wrong[0]));
	struct job jobs[sizeof(wrong) / sizeof(wrong[0])];

	memset(jobs, 0, sizeof(jobs));
	for (int i = 0; i < nw; i++) {
		const struct minibench_task *t = minibench_find(wrong[i].id);

		ck_assert_ptr_nonnull(t);
		job_prepare(&jobs[i], t, 42, wrong[i].source, "-w");
	}
	jobs_run(jobs, nw);
	for (int i = 0; i < nw; i++) {
		struct job *j = &jobs[i];
		char *out = job_file(j, "out.txt");
		int passed, lines, rp, rt;

		ck_assert_msg(WIFEXITED(j->status) && !WEXITSTATUS(j->status),
			      "'%s': did not build or run", wrong[i].id);
		job_result(j, &passed, &lines, &rp, &rt);
		ck_assert_int_eq(lines, j->ntests);
		ck_assert_int_eq(rp, passed);
		ck_assert_int_eq(rt, j->ntests);
		if (wrong[i].why) {
			ck_assert_int_eq(passed, 0);
			ck_assert_msg(strstr(out, wrong[i].why) != NULL,
				      "'%s': no '%s' in %s", wrong[i].id,
				      wrong[i].why, out);
		} else {
			ck_assert_int_gt(passed, 0);
			ck_assert_int_lt(passed, j->ntests);
		}
		free(out);
		job_release(j);
	}
}
END_TEST

static Suite *minibench_suite(void)
{
	Suite *s = suite_create("minibench");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_minibench_registry);
	tcase_add_test(tc, test_minibench_seed_mapping);
	tcase_add_test(tc, test_minibench_drivers_vary_with_seed);
	tcase_add_test(tc, test_minibench_foreign_task);
	suite_add_tcase(s, tc);

	tc = tcase_create("compiled");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_minibench_reference_passes);
	tcase_add_test(tc, test_minibench_noop_fails_every_case);
	tcase_add_test(tc, test_minibench_wrong_candidates);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(minibench_suite()) ? 1 : 0;
}
