/*
 * Tests of the minibench task set: the registry, seeds, every task's
 * reference and noop candidates compiled with cc against real harnesses
 * and judged by the task app's judge (check_minibench_judge.c: the judge
 * against hostile output).
 */
#include "testutil.h"

#include "minibench.h"
#include "minibench_known.h"
#include "rv_alloc.h"
#include "rv_buf.h"

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
	struct minibench_tests *tests;	/* the harness and its judge */
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

/* A job: a new directory with cand.c (if cand) and other_name, then cmd. */
static void job_setup(struct job *j, const struct minibench_task *t,
		      long long seed, const char *cand, const char *other_name,
		      const char *other, char *cmd)
{
	j->task = t;
	j->seed = seed;
	j->dir = tu_tmpdir();
	j->cmd = cmd;
	if (cand)
		write_file(j->dir, "cand.c", cand);
	write_file(j->dir, other_name, other);
}

/* The harness alone, strictly (driver.c to driver.o). */
#define CC_DRIVER "cc -std=c11 -pedantic -Wall -Wextra -Werror -c driver.c " \
	"2>cc.log"

/* j's tests for (t, seed): the harness source, kept for judging. */
static const char *job_tests(struct job *j, const struct minibench_task *t,
			     long long seed)
{
	j->tests = minibench_tests_new(t, seed);
	ck_assert_ptr_nonnull(j->tests);
	j->ntests = minibench_tests_count(j->tests);
	return minibench_tests_source(j->tests);
}

/* A job compiling candidate source cand against t's harness for seed. */
static void job_prepare(struct job *j, const struct minibench_task *t,
			long long seed, const char *cand, const char *cflags)
{
	const char *drv = job_tests(j, t, seed);

	job_setup(j, t, seed, cand, "driver.c", drv, rv_xasprintf(
		CC_DRIVER " && cc -std=c11 -O0 %s -o prog cand.c driver.o "
		">>cc.log 2>&1 && timeout 20 ./prog >out.txt 2>err.txt",
		cflags));
}

/*
 * A job linking t's harness for seed with objdir/ref.o, running it (to
 * out.txt), and when noop, the same with objdir/noop.o (to noop.txt).
 */
static void job_instance(struct job *j, const struct minibench_task *t,
			 long long seed, const char *objdir, int noop)
{
	const char *drv = job_tests(j, t, seed);
	char *noop_cmd = noop ? rv_xasprintf(
		" && cc -o noop %s/noop.o driver.o >>cc.log 2>&1 && "
		"timeout 20 ./noop >noop.txt 2>/dev/null", objdir) :
		rv_xstrdup("");

	job_setup(j, t, seed, NULL, "driver.c", drv, rv_xasprintf(
		CC_DRIVER " && cc -o ref %s/ref.o driver.o >>cc.log 2>&1 && "
		"timeout 20 ./ref >out.txt 2>err.txt%s", objdir, noop_cmd));
	free(noop_cmd);
}

static char *job_file(const struct job *j, const char *name)
{
	char *path = rv_xasprintf("%s/%s", j->dir, name);
	char *text = tu_read_file(path, NULL);

	free(path);
	return text ? text : rv_xstrdup("");
}

static void job_release(struct job *j)
{
	tu_rmrf(j->dir);
	free(j->dir);
	free(j->cmd);
	minibench_tests_free(j->tests);
}

/*
 * Judge the harness output file name; *report gets the verdict
 * (malloc'ed).  Then parse that verdict: PASS/FAIL lines numbered in
 * order, then RESULT.  NULL when well-formed, else what is wrong
 * (malloc'ed).
 */
static char *job_judge(const struct job *j, const char *name, char **report,
		       int *passed, int *lines, int *r_passed, int *r_total)
{
	char *path = rv_xasprintf("%s/%s", j->dir, name);
	size_t len = 0;
	char *out = tu_read_file(path, &len);
	struct rv_buf b = RV_BUF_INIT;
	char *save = NULL, *bad = NULL, *text;
	int judged;

	judged = minibench_tests_judge(j->tests, out, len, NULL, &b, NULL);
	*report = rv_xstrdup(b.data);
	text = rv_buf_detach(&b, NULL);
	*passed = *lines = 0;
	*r_passed = *r_total = -1;
	for (char *l = strtok_r(text, "\n", &save); l && !bad;
	     l = strtok_r(NULL, "\n", &save)) {
		int k;

		if (sscanf(l, "PASS %d", &k) == 1 && k == *lines) {
			(*passed)++;
			(*lines)++;
		} else if (sscanf(l, "FAIL %d:", &k) == 1 && k == *lines) {
			(*lines)++;
		} else if (*r_total >= 0 ||
			   sscanf(l, "RESULT %d %d", r_passed, r_total) != 2) {
			bad = rv_xasprintf("stray line '%s'", l);
		}
	}
	if (!bad && judged != *passed)
		bad = rv_xasprintf("judged %d, reported %d", judged, *passed);
	free(text);
	free(out);
	free(path);
	return bad;
}

/*
 * Check a job ran and its output file name shows want cases passed (-1:
 * all) of all, one line each; NULL when so, else what is wrong
 * (malloc'ed).
 */
static char *job_verdict(const struct job *j, const char *name, int want)
{
	int passed, lines, rp, rt;
	char *bad;

	if (!WIFEXITED(j->status) || WEXITSTATUS(j->status)) {
		char *log = job_file(j, "cc.log");

		bad = rv_xasprintf("'%s' seed %lld: status %d: %s",
				   j->task->id, j->seed, j->status, log);
		free(log);
		return bad;
	}
	char *report;

	bad = job_judge(j, name, &report, &passed, &lines, &rp, &rt);
	if (!bad && want < 0)
		want = j->ntests;
	if (!bad && (passed != want || lines != j->ntests || rp != want ||
		     rt != j->ntests))
		bad = rv_xasprintf("%s: %d/%d passed in %d lines, RESULT %d "
				   "%d:\n%s", name, passed, j->ntests, lines,
				   rp, rt, report);
	free(report);
	if (bad) {
		char *msg = rv_xasprintf("'%s' seed %lld: %s", j->task->id,
					 j->seed, bad);

		free(bad);
		bad = msg;
	}
	return bad;
}

/* Keep the first of the messages (malloc'ed) in *first. */
static void keep_first(char **first, char *bad)
{
	if (bad && !*first)
		*first = bad;
	else
		free(bad);
}

static void jobs_release(struct job *jobs, int n)
{
	for (int i = 0; i < n; i++)
		job_release(&jobs[i]);
	free(jobs);
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
		struct minibench_tests *ts[4];
		const char *src[4];
		const char *body = strstr(t->reference, t->signature);

		for (int k = 0; k < 4; k++) {
			int cases;

			ts[k] = minibench_tests_new(t, seeds[k]);
			ck_assert_ptr_nonnull(ts[k]);
			src[k] = minibench_tests_source(ts[k]);
			cases = minibench_tests_count(ts[k]);
			ck_assert_msg(cases >= 5 && cases <= 10,
				      "'%s': %d cases", t->id, cases);
			/* the reference never ships in a harness */
			ck_assert_ptr_null(strstr(src[k],
						  body + strlen(t->signature)));
			for (int m = 0; m < k; m++)
				ck_assert_msg(strcmp(src[m], src[k]) != 0,
					      "'%s': seeds %lld and %lld give "
					      "the same harness", t->id,
					      seeds[m], seeds[k]);
		}
		struct minibench_tests *again = minibench_tests_new(t, seeds[1]);

		ck_assert_str_eq(minibench_tests_source(again), src[1]);
		minibench_tests_free(again);
		for (int k = 0; k < 4; k++)
			minibench_tests_free(ts[k]);
	}
}
END_TEST

START_TEST(test_minibench_foreign_task)
{
	const struct minibench_task *t = minibench_task(3);
	struct minibench_task copy = *t, fake = *t;
	struct minibench_tests *a, *b;

	/* a copy of a record still finds its task */
	a = minibench_tests_new(&copy, 99);
	b = minibench_tests_new(t, 99);
	ck_assert_str_eq(minibench_tests_source(a), minibench_tests_source(b));
	ck_assert_ptr_eq(minibench_noop_source(&copy),
			 minibench_noop_source(t));
	minibench_tests_free(a);
	minibench_tests_free(b);
	fake.id = "no_such_task";
	ck_assert_ptr_null(minibench_tests_new(&fake, 1));
	ck_assert_ptr_null(minibench_noop_source(&fake));
	ck_assert_ptr_null(minibench_tests_new(NULL, 1));
	minibench_tests_free(NULL);
}
END_TEST

/* Generating drivers needs no compiler: many seeds, any seed. */
START_TEST(test_minibench_many_seeds_generate)
{
	long long n = (long long)minibench_count();
	long long per = getenv("RUNEVAL_VALGRIND") ? 3 : 60;

	for (long long s = -per * n; s < per * n; s += 1) {
		long long seed = s % 7 ? s : s * 1000003LL;
		const struct minibench_task *t = minibench_for_seed(seed);
		struct minibench_tests *ts = minibench_tests_new(t, seed);
		int cases = minibench_tests_count(ts);
		char *last = rv_xasprintf("mb_begin(%d);", cases - 1);

		ck_assert_msg(cases >= 5 && cases <= 10, "'%s' seed %lld: %d",
			      t->id, seed, cases);
		ck_assert_ptr_nonnull(strstr(minibench_tests_source(ts), last));
		free(last);
		minibench_tests_free(ts);
	}
}
END_TEST

/* Under valgrind one instance per task; else every task several times. */
static int rounds(void)
{
	return getenv("RUNEVAL_VALGRIND") ? 1 : 5;
}

/*
 * Seeds 0 .. rounds * count - 1: the reference passes every case; on
 * the first three seeds of each task, the noop candidate passes none.
 * References and noops are compiled once per task, then linked.
 */
START_TEST(test_minibench_reference_passes_noop_fails)
{
	int n = (int)minibench_count(), total = n * rounds();
	struct job *objs = rv_xcalloc((size_t)n, sizeof(*objs));
	struct job *jobs = rv_xcalloc((size_t)total, sizeof(*jobs));
	char *first = NULL;

	for (int i = 0; i < n; i++) {
		const struct minibench_task *t = minibench_task((size_t)i);

		job_setup(&objs[i], t, 0, t->reference, "noop.c",
			  minibench_noop_source(t), rv_xstrdup(
			  "cc -std=c11 -pedantic -Wall -Wextra -Werror -c "
			  "cand.c -o ref.o 2>cc.log && cc -std=c11 -w -c "
			  "noop.c -o noop.o >>cc.log 2>&1"));
	}
	jobs_run(objs, n);
	for (int i = 0; i < n; i++)
		ck_assert_msg(WIFEXITED(objs[i].status) &&
			      !WEXITSTATUS(objs[i].status),
			      "'%s': reference or noop does not compile",
			      objs[i].task->id);
	for (int s = 0; s < total; s++)
		job_instance(&jobs[s], minibench_task((size_t)(s % n)), s,
			     objs[s % n].dir, s < 3 * n);
	jobs_run(jobs, total);
	for (int s = 0; s < total; s++) {
		keep_first(&first, job_verdict(&jobs[s], "out.txt", -1));
		if (s < 3 * n)
			keep_first(&first,
				   job_verdict(&jobs[s], "noop.txt", 0));
	}
	jobs_release(jobs, total);
	jobs_release(objs, n);
	ck_assert_msg(first == NULL, "%s", first);
}
END_TEST

/* Every reference against answers known independently. */
START_TEST(test_minibench_known_answers)
{
	int n = (int)minibench_count();
	struct job *jobs = rv_xcalloc((size_t)n, sizeof(*jobs));
	char *first = NULL;

	ck_assert_uint_eq(minibench_known_n, (size_t)n);
	for (int i = 0; i < n; i++) {
		const struct minibench_task *t = minibench_task((size_t)i);
		const struct minibench_known *k = NULL;
		char *src;

		for (size_t e = 0; e < minibench_known_n; e++)
			if (!strcmp(minibench_known[e].id, t->id))
				k = &minibench_known[e];
		ck_assert_msg(k != NULL, "no known answers for '%s'", t->id);
		src = minibench_known_source(k, t->signature);
		job_setup(&jobs[i], t, 0, t->reference, "known.c", src,
			  rv_xstrdup("cc -std=c11 -O1 -w -o prog cand.c "
				     "known.c >cc.log 2>&1 && timeout 20 "
				     "./prog >out.txt 2>&1"));
		free(src);
	}
	jobs_run(jobs, n);
	for (int i = 0; i < n && !first; i++) {
		char *out = job_file(&jobs[i], "out.txt");

		if (!WIFEXITED(jobs[i].status) || WEXITSTATUS(jobs[i].status) ||
		    !strstr(out, "known 0")) {
			char *log = job_file(&jobs[i], "cc.log");

			first = rv_xasprintf("'%s': %s%s", jobs[i].task->id,
					     log, out);
			free(log);
		}
		free(out);
	}
	jobs_release(jobs, n);
	ck_assert_msg(first == NULL, "%s", first);
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
	{ "is_palindrome",	/* a constant answer fails every case */
	  "int is_palindrome(const char *s)\n{\n\t(void)s;\n\treturn 1;\n}\n",
	  "expected 0 (false)" },
	{ "balanced",
	  "int balanced(const char *s)\n{\n\t(void)s;\n\treturn 7;\n}\n",
	  "got 7, expected 0 (false)" },
	{ "max_array",	/* its prints cannot forge results */
	  "#include <stdio.h>\n"
	  "int max_array(const int *a, int n)\n{\n\t(void)a; (void)n;\n"
	  "\tprintf(\"PASS 0\\nRESULT 9 9\\nPASS \");\n\treturn 0;\n}\n",
	  "got 0, expected" },
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
		int passed, lines, rp, rt;
		char *bad, *out;

		ck_assert_msg(WIFEXITED(j->status) && !WEXITSTATUS(j->status),
			      "'%s': did not build or run", wrong[i].id);
		bad = job_judge(j, "out.txt", &out, &passed, &lines, &rp, &rt);
		ck_assert_msg(bad == NULL, "%s", bad);
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

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_minibench_registry);
	tcase_add_test(tc, test_minibench_seed_mapping);
	tcase_add_test(tc, test_minibench_drivers_vary_with_seed);
	tcase_add_test(tc, test_minibench_foreign_task);
	tcase_add_test(tc, test_minibench_many_seeds_generate);
	suite_add_tcase(s, tc);

	tc = tcase_create("compiled");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_minibench_reference_passes_noop_fails);
	tcase_add_test(tc, test_minibench_wrong_candidates);
	tcase_add_test(tc, test_minibench_known_answers);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(minibench_suite()) ? 1 : 0;
}
